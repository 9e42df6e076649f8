//! The reader on real bytes: the preface, frames in any split, its errors and its bounds, and
//! the first bytes an `h2` client writes.

use bytes::Bytes;

use super::*;
use crate::inspect::frame::tests::frame;
use crate::inspect::frame::{FrameType, Payload};

fn events(direction: Direction, chunks: &[&[u8]]) -> Vec<FrameEvent> {
    let mut reader = FrameReader::new(direction);
    let mut events = Vec::new();
    for chunk in chunks {
        reader.push(chunk);
        while let Some(event) = reader.next_event() {
            events.push(event);
        }
    }
    events
}

#[test]
fn headers_then_continuation() {
    // RFC 7541 C.3.1 cut in two: HEADERS (END_STREAM, no END_HEADERS), CONTINUATION (END_HEADERS).
    let block = b"\x82\x86\x84\x41\x0fwww.example.com";
    let wire = [
        frame(0x1, 0x01, 1, &block[..5]),
        frame(0x9, 0x04, 1, &block[5..]),
    ]
    .concat();
    let events = events(Direction::ServerToClient, &[&wire]);
    let [FrameEvent::Frame(headers), FrameEvent::Frame(continuation)] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(headers.header.flag_names(), ["END_STREAM"]);
    assert_eq!(
        continuation.header.frame_type(),
        Some(FrameType::Continuation)
    );
    assert_eq!(continuation.header.flag_names(), ["END_HEADERS"]);
    assert_eq!(continuation.offset, 14);
    let whole = [
        headers.fragment().unwrap(),
        continuation.fragment().unwrap(),
    ]
    .concat();
    assert_eq!(whole, block);
    let decoded = crate::inspect::hpack::Decoder::new(4096)
        .decode(&whole)
        .unwrap();
    assert_eq!(decoded.len(), 5); // four fields and one insertion
}

#[test]
fn preface_then_frames_and_errors_with_offsets() {
    let wire = [
        &CONNECTION_PREFACE[..],
        &frame(0x4, 0, 0, &[0; 5]),
        &frame(0x4, 0x01, 0, b""),
    ]
    .concat();
    let events = events(Direction::ClientToServer, &[&wire]);
    assert_eq!(events[0], FrameEvent::Preface { offset: 0 });
    // The malformed SETTINGS is reported at its offset, and the reader reads on.
    assert!(matches!(
        events[1],
        FrameEvent::Malformed { offset: 24, .. }
    ));
    assert!(matches!(&events[2], FrameEvent::Frame(ack) if ack.offset == 38));

    let mut wrong = CONNECTION_PREFACE.to_vec();
    wrong[5] = b'x';
    let events = events_of(Direction::ClientToServer, &wrong);
    assert_eq!(
        events,
        [FrameEvent::Fatal {
            offset: 5,
            error: ReaderError::BadPreface { found: b'x' }
        }]
    );
    // HTTP/1.1 is told apart at its first differing octet, before 24 octets arrive.
    let events = events_of(Direction::ClientToServer, b"GET / HTTP/1.1\r\n");
    assert!(matches!(events[..], [FrameEvent::Fatal { offset: 0, .. }]));
}

fn events_of(direction: Direction, wire: &[u8]) -> Vec<FrameEvent> {
    events(direction, &[wire])
}

#[test]
fn too_large_is_refused_on_the_header() {
    let mut reader = FrameReader::new(Direction::ServerToClient).with_max_frame_len(16_384);
    reader.push(&frame(0x0, 0, 1, b"ok"));
    reader.push(&[0x00, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]); // 16385 octets announced
    assert!(matches!(reader.next_event(), Some(FrameEvent::Frame(_))));
    assert_eq!(
        reader.next_event(),
        Some(FrameEvent::Fatal {
            offset: 11,
            error: ReaderError::FrameTooLarge {
                length: 16_385,
                max: 16_384
            }
        })
    );
    assert_eq!(reader.buffered_len(), 0);
    reader.push(&[0; 100]);
    assert_eq!((reader.next_event(), reader.buffered_len()), (None, 0));
}

#[test]
fn finish_inside_a_frame() {
    let mut reader = FrameReader::new(Direction::ServerToClient);
    reader.push(&frame(0x6, 0, 0, &[0; 8])[..12]);
    assert_eq!(reader.next_event(), None);
    assert_eq!(
        reader.finish(),
        Err(ReaderError::Truncated { buffered: 12 })
    );
}

/// The Length of the frame after the preface, once its header is in.
fn settings_len(wire: &[u8]) -> usize {
    let at = CONNECTION_PREFACE.len();
    wire.get(at..at + 3).map_or(0, |length| {
        usize::from(length[0]) << 16 | usize::from(length[1]) << 8 | usize::from(length[2])
    })
}

/// The first bytes an `h2` client writes: the preface and its SETTINGS, then what h2 adds.
#[test]
fn what_an_h2_client_sends() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let wire = runtime.block_on(async {
        use tokio::io::AsyncReadExt;
        let (client, mut server) = tokio::io::duplex(65_536);
        // Configured as src/transport/client.rs configures its h2 client.
        let (_send, connection) = h2::client::Builder::new()
            .initial_window_size(1 << 20)
            .max_header_list_size(16 << 10)
            .enable_push(false)
            .handshake::<_, Bytes>(client)
            .await
            .unwrap();
        tokio::spawn(connection);
        // The preface and the SETTINGS frame may come in separate writes: read until both.
        let mut wire = Vec::new();
        while wire.len() < CONNECTION_PREFACE.len() + FRAME_HEADER_LEN
            || wire.len() < CONNECTION_PREFACE.len() + FRAME_HEADER_LEN + settings_len(&wire)
        {
            let mut chunk = [0; 1024];
            let n = server.read(&mut chunk).await.unwrap();
            assert_ne!(n, 0, "the h2 client closed the connection");
            wire.extend_from_slice(&chunk[..n]);
        }
        wire
    });
    let events = events_of(Direction::ClientToServer, &wire);
    assert_eq!(events[0], FrameEvent::Preface { offset: 0 });
    let FrameEvent::Frame(settings) = &events[1] else {
        panic!("{events:?}")
    };
    let Payload::Settings {
        settings: parameters,
    } = &settings.payload
    else {
        panic!()
    };
    #[rustfmt::skip]
    const EXPECTED: [u8; 27] = [
        0x00, 0x00, 0x12, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, // 18 octets, SETTINGS, stream 0
        0x00, 0x02, 0x00, 0x00, 0x00, 0x00, // SETTINGS_ENABLE_PUSH = 0
        0x00, 0x04, 0x00, 0x10, 0x00, 0x00, // SETTINGS_INITIAL_WINDOW_SIZE = 1 MiB
        0x00, 0x06, 0x00, 0x00, 0x40, 0x00, // SETTINGS_MAX_HEADER_LIST_SIZE = 16 KiB
    ];
    assert_eq!(settings.bytes.as_ref(), EXPECTED);
    let named: Vec<_> = parameters
        .iter()
        .map(|s| (s.id.name().unwrap(), s.value))
        .collect();
    assert_eq!(
        named,
        [
            ("SETTINGS_ENABLE_PUSH", 0),
            ("SETTINGS_INITIAL_WINDOW_SIZE", 1 << 20),
            ("SETTINGS_MAX_HEADER_LIST_SIZE", 16 << 10),
        ]
    );
    assert!(
        events
            .iter()
            .all(|event| matches!(event, FrameEvent::Preface { .. } | FrameEvent::Frame(_)))
    );
}

mod properties {
    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    /// Frames of every type code (and some unknown), with flags and payloads that are sometimes
    /// well-formed and sometimes not.
    fn frames() -> impl Strategy<Value = Vec<u8>> {
        vec(
            (0u8..12, any::<u8>(), 0u32..4, vec(any::<u8>(), 0..40)),
            0..12,
        )
        .prop_map(|frames| {
            let mut wire = CONNECTION_PREFACE.to_vec();
            for (type_code, flags, stream_id, payload) in frames {
                wire.extend(frame(type_code, flags, stream_id, &payload));
            }
            wire
        })
    }

    fn split(wire: &[u8], mut cuts: Vec<usize>) -> Vec<&[u8]> {
        for cut in &mut cuts {
            *cut %= wire.len() + 1;
        }
        cuts.sort_unstable();
        let mut chunks = Vec::new();
        let mut start = 0;
        for cut in cuts.into_iter().chain([wire.len()]) {
            chunks.push(&wire[start..cut]);
            start = cut;
        }
        chunks
    }

    proptest! {
        #[test]
        fn chunking_does_not_matter(wire in frames(), cuts in vec(any::<usize>(), 0..30)) {
            let whole = events(Direction::ClientToServer, &[&wire]);
            let fatal = whole.iter().any(|event| matches!(event, FrameEvent::Fatal { .. }));
            prop_assert!(!fatal);
            prop_assert_eq!(events(Direction::ClientToServer, &split(&wire, cuts)), whole);
        }

        #[test]
        fn arbitrary_bytes_never_panic_nor_hoard(
            wire in prop_oneof![vec(any::<u8>(), 0..600), frames()],
            cuts in vec(any::<usize>(), 0..30),
            client in any::<bool>(),
        ) {
            let direction = if client { Direction::ClientToServer } else { Direction::ServerToClient };
            let mut reader = FrameReader::new(direction).with_max_frame_len(64);
            for chunk in split(&wire, cuts) {
                reader.push(chunk);
                while reader.next_event().is_some() {}
                // Drained, it holds less than one whole frame (or the preface).
                prop_assert!(reader.buffered_len() < FRAME_HEADER_LEN + 64);
            }
        }
    }
}
