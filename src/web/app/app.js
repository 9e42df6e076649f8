// The users page: Connect over HTTP/1.1 from the browser, by hand (no generated client).
//
// Unary (CreateUser): POST the JSON request with content-type application/json; the answer is the
// JSON response, or an error {"code", "message"} with a non-200 status.
//
// Server stream (ListUsers): POST one envelope (flags 0, 4-byte big-endian length, the JSON
// request) with content-type application/connect+json; the answer is envelopes of JSON users,
// then an end-of-stream envelope (flags 0x02) holding {} or {"error": ...}.

const status = document.getElementById("status");
const list = document.getElementById("users");

function say(text, isError) {
  status.textContent = text;
  status.className = isError ? "error" : "";
}

async function createUser(event) {
  event.preventDefault();
  const request = {
    name: document.getElementById("name").value,
    email: document.getElementById("email").value,
    age: Number(document.getElementById("age").value || 0),
  };
  const response = await fetch("/users.UserService/CreateUser", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  const body = await response.json();
  if (!response.ok) {
    say(`${body.code}: ${body.message}`, true);
    return;
  }
  say(`created ${body.name} (${body.id})`, false);
  await listUsers();
}

function envelope(json) {
  const payload = new TextEncoder().encode(JSON.stringify(json));
  const out = new Uint8Array(5 + payload.length);
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
}

function showUser(user) {
  const item = document.createElement("li");
  item.className = "user";
  item.dataset.id = user.id;
  item.textContent = `${user.name} <${user.email}>, ${user.age || 0}`;
  list.appendChild(item);
}

async function listUsers() {
  list.replaceChildren();
  const response = await fetch("/users.UserService/ListUsers", {
    method: "POST",
    headers: { "content-type": "application/connect+json" },
    body: envelope({ pageSize: 1000 }),
  });
  const reader = response.body.getReader();
  let buffered = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(buffered.length + value.length);
    joined.set(buffered);
    joined.set(value, buffered.length);
    buffered = joined;
    // Every whole envelope in what has arrived.
    while (buffered.length >= 5) {
      const length = new DataView(buffered.buffer, buffered.byteOffset).getUint32(1);
      if (buffered.length < 5 + length) break;
      const flags = buffered[0];
      const json = JSON.parse(new TextDecoder().decode(buffered.subarray(5, 5 + length)));
      buffered = buffered.slice(5 + length);
      if (flags & 0x02) {
        if (json.error) say(`${json.error.code}: ${json.error.message}`, true);
      } else {
        showUser(json);
      }
    }
  }
}

document.getElementById("create").addEventListener("submit", createUser);
document.getElementById("refresh").addEventListener("click", listUsers);
listUsers();
