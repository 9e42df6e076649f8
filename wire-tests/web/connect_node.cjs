// A client of h2grpc's web protocols written with Connect's own Node library
// (@connectrpc/connect-node), its types read at run time from a FileDescriptorSet (no generated
// code): the same calls over its Connect transport and its gRPC-Web transport, HTTP/1.1.
// Prints, per transport, a unary reply, a server stream's messages and an error's code/message.
//
//   NODE_PATH=target/npm/node_modules node wire-tests/web/connect_node.cjs BASE_URL DESCRIPTOR_SET
const fs = require("fs");
const { fromBinary, createFileRegistry } = require("@bufbuild/protobuf");
const { FileDescriptorSetSchema } = require("@bufbuild/protobuf/wkt");
const { createClient } = require("@connectrpc/connect");
const { createConnectTransport, createGrpcWebTransport } = require("@connectrpc/connect-node");

async function calls(registry, transport) {
  const greeter = createClient(registry.getService("hello.Greeter"), transport);
  const users = createClient(registry.getService("users.UserService"), transport);
  const reply = await greeter.sayHello({ name: "node" });
  const stream = [];
  for await (const message of greeter.sayHelloStreamReply({ name: "node" })) {
    stream.push(message.message);
  }
  let error = null;
  try {
    await users.getUser({ userId: "nobody" });
  } catch (caught) {
    error = { code: caught.code, message: caught.rawMessage };
  }
  return { reply: reply.message, stream, error };
}

async function main() {
  const [baseUrl, descriptorSet] = process.argv.slice(2);
  const set = fromBinary(FileDescriptorSetSchema, fs.readFileSync(descriptorSet));
  const registry = createFileRegistry(set);
  const out = {
    connect: await calls(registry, createConnectTransport({ baseUrl, httpVersion: "1.1" })),
    grpcweb: await calls(registry, createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })),
  };
  console.log(JSON.stringify(out));
}

main().catch((error) => {
  console.error(String((error && error.stack) || error));
  process.exit(1);
});
