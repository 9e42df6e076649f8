//! RFC 7541 C.3 to C.6: three header blocks in a row on one decoder, the dynamic table
//! checked after each, with and without Huffman coding, with evictions at a table size of 256.

use super::*;

/// C.3 and C.4: three requests sharing one dynamic table; `huffman` says which section.
fn requests(blocks: [&str; 3], huffman: bool) {
    let mut decoder = Decoder::new(4096);

    let events = decoder.decode(&hex(blocks[0])).unwrap();
    assert_eq!(
        fields(&events),
        [
            f(":method", "GET", Idx),
            f(":scheme", "http", Idx),
            f(":path", "/", Idx),
            f(":authority", "www.example.com", Incr),
        ]
    );
    let Event::Field(authority) = &events[3] else {
        panic!()
    };
    assert_eq!(
        authority.index,
        Some(TableIndex {
            index: 1,
            table: Table::Static
        })
    );
    assert_eq!(authority.value_string.as_ref().unwrap().huffman, huffman);
    assert_eq!(table(&decoder), [e(":authority", "www.example.com")]);
    assert_eq!(decoder.table_size(), 57);

    let events = decoder.decode(&hex(blocks[1])).unwrap();
    assert_eq!(
        fields(&events),
        [
            f(":method", "GET", Idx),
            f(":scheme", "http", Idx),
            f(":path", "/", Idx),
            f(":authority", "www.example.com", Idx),
            f("cache-control", "no-cache", Incr),
        ]
    );
    let Event::Field(authority) = &events[3] else {
        panic!()
    };
    assert_eq!(
        authority.index,
        Some(TableIndex {
            index: 62,
            table: Table::Dynamic
        })
    );
    assert_eq!(
        table(&decoder),
        [
            e("cache-control", "no-cache"),
            e(":authority", "www.example.com")
        ]
    );
    assert_eq!(decoder.table_size(), 110);

    let events = decoder.decode(&hex(blocks[2])).unwrap();
    assert_eq!(
        fields(&events),
        [
            f(":method", "GET", Idx),
            f(":scheme", "https", Idx),
            f(":path", "/index.html", Idx),
            f(":authority", "www.example.com", Idx),
            f("custom-key", "custom-value", Incr),
        ]
    );
    let Event::Field(custom) = &events[4] else {
        panic!()
    };
    assert_eq!(custom.index, None);
    assert_eq!(custom.name_string.as_ref().unwrap().huffman, huffman);
    assert_eq!(
        table(&decoder),
        [
            e("custom-key", "custom-value"),
            e("cache-control", "no-cache"),
            e(":authority", "www.example.com"),
        ]
    );
    assert_eq!(decoder.table_size(), 164);
}

#[test]
fn c_3_requests_without_huffman() {
    requests(
        [
            "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
            "8286 84be 5808 6e6f 2d63 6163 6865",
            "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
        ],
        false,
    );
}

#[test]
fn c_4_requests_with_huffman() {
    requests(
        [
            "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
            "8286 84be 5886 a8eb 1064 9cbf",
            "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
        ],
        true,
    );
}

const DATE_1: &str = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE_2: &str = "Mon, 21 Oct 2013 20:13:22 GMT";
const LOCATION: &str = "https://www.example.com";
const COOKIE: &str = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";

/// C.5 and C.6: three responses with SETTINGS_HEADER_TABLE_SIZE 256, evicting.
fn responses(blocks: [&str; 3]) {
    let mut decoder = Decoder::new(256);

    let events = decoder.decode(&hex(blocks[0])).unwrap();
    assert_eq!(
        fields(&events),
        [
            f(":status", "302", Incr),
            f("cache-control", "private", Incr),
            f("date", DATE_1, Incr),
            f("location", LOCATION, Incr),
        ]
    );
    assert_eq!(evicted(&events), Vec::<String>::new());
    assert_eq!(
        table(&decoder),
        [
            e("location", LOCATION),
            e("date", DATE_1),
            e("cache-control", "private"),
            e(":status", "302")
        ]
    );
    assert_eq!(decoder.table_size(), 222);

    // ":status: 307" (42 octets) does not fit in 256 - 222: ":status: 302" leaves.
    let events = decoder.decode(&hex(blocks[1])).unwrap();
    assert_eq!(
        fields(&events),
        [
            f(":status", "307", Incr),
            f("cache-control", "private", Idx),
            f("date", DATE_1, Idx),
            f("location", LOCATION, Idx),
        ]
    );
    assert_eq!(evicted(&events), [":status"]);
    assert!(matches!(
        &events[1],
        Event::Evicted {
            cause: EvictionCause::Insertion,
            table_size: 180,
            ..
        }
    ));
    assert_eq!(
        table(&decoder),
        [
            e(":status", "307"),
            e("location", LOCATION),
            e("date", DATE_1),
            e("cache-control", "private")
        ]
    );
    assert_eq!(decoder.table_size(), 222);

    let events = decoder.decode(&hex(blocks[2])).unwrap();
    assert_eq!(
        fields(&events),
        [
            f(":status", "200", Idx),
            f("cache-control", "private", Idx),
            f("date", DATE_2, Incr),
            f("location", LOCATION, Idx),
            f("content-encoding", "gzip", Incr),
            f("set-cookie", COOKIE, Incr),
        ]
    );
    assert_eq!(
        evicted(&events),
        ["cache-control", "date", "location", ":status"]
    );
    assert_eq!(
        table(&decoder),
        [
            e("set-cookie", COOKIE),
            e("content-encoding", "gzip"),
            e("date", DATE_2)
        ]
    );
    assert_eq!(decoder.table_size(), 215);
}

#[test]
fn c_5_responses_without_huffman() {
    responses([
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
         2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
         6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
         54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
         5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
         3d31",
    ]);
}

#[test]
fn c_6_responses_with_huffman() {
    responses([
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
         2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
         77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
         9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ]);
}
