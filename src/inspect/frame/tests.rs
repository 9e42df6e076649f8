//! Frames with real bytes: every type, its flags, its parts' positions, its errors.

use bytes::Bytes;

use super::*;

/// A frame's bytes: the 9-octet header, then `payload`.
pub(crate) fn frame(type_code: u8, flags: u8, stream_id: u32, payload: &[u8]) -> Vec<u8> {
    let length = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut bytes = vec![length[1], length[2], length[3], type_code, flags];
    bytes.extend(stream_id.to_be_bytes());
    bytes.extend(payload);
    bytes
}

fn one(bytes: &[u8]) -> Result<Frame, FrameError> {
    Frame::parse(7, Bytes::copy_from_slice(bytes))
}

#[test]
fn padded_data() {
    // END_STREAM | PADDED on stream 1: Pad Length 3, "hello!", 3 octets of padding.
    let bytes = frame(0x0, 0x09, 1, b"\x03hello!\x00\x00\x00");
    assert_eq!(
        &bytes[..9],
        [0x00, 0x00, 0x0a, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01]
    );
    let data = one(&bytes).unwrap();
    assert_eq!(data.header.flag_names(), ["END_STREAM", "PADDED"]);
    let Payload::Data {
        padding,
        data: range,
    } = &data.payload
    else {
        panic!()
    };
    assert_eq!(data.part(range), b"hello!");
    assert_eq!(*range, 10..16);
    assert_eq!(
        *padding,
        Some(Padding {
            pad_length: 3,
            padding: 16..19
        })
    );
    assert_eq!(data.offset, 7);
}

#[test]
fn padding_longer_than_the_payload() {
    // Pad Length 10 in a 4-octet payload; then exactly as long as the rest (empty data).
    assert_eq!(
        one(&frame(0x0, 0x08, 1, b"\x0aabc")),
        Err(FrameError::PaddingTooLong {
            pad_length: 10,
            available: 3
        })
    );
    let empty = one(&frame(0x0, 0x08, 1, b"\x03abc")).unwrap();
    assert!(matches!(empty.payload, Payload::Data { data: ref d, .. } if d.is_empty()));
    // PADDED with no payload at all: not even the Pad Length fits.
    assert!(matches!(
        one(&frame(0x0, 0x08, 1, b"")),
        Err(FrameError::Length { .. })
    ));
}

#[test]
fn headers_with_padding_and_priority() {
    // PADDED | PRIORITY | END_HEADERS: Pad Length 2, E + dependency 3, weight 15, ":method GET".
    let bytes = frame(0x1, 0x2c, 5, b"\x02\x80\x00\x00\x03\x0f\x82\x00\x00");
    let headers = one(&bytes).unwrap();
    assert_eq!(
        headers.header.flag_names(),
        ["END_HEADERS", "PADDED", "PRIORITY"]
    );
    let Payload::Headers {
        padding,
        priority,
        fragment,
    } = &headers.payload
    else {
        panic!()
    };
    assert_eq!(padding.as_ref().unwrap().padding, 16..18);
    let priority = priority.as_ref().unwrap();
    assert_eq!(
        (
            priority.exclusive,
            priority.stream_dependency,
            priority.weight
        ),
        (true, 3, 15)
    );
    assert_eq!(priority.at, 10..15);
    assert_eq!(*fragment, 15..16);
    assert_eq!(headers.fragment(), Some(&b"\x82"[..]));
}

#[test]
fn settings_parameters_by_name() {
    let payload = b"\x00\x01\x00\x00\x10\x00\x00\x02\x00\x00\x00\x00\x00\x09\x00\x00\x00\x01";
    let settings = one(&frame(0x4, 0, 0, payload)).unwrap();
    let Payload::Settings { settings } = settings.payload else {
        panic!()
    };
    let named: Vec<_> = settings
        .iter()
        .map(|s| (s.id.to_string(), s.value, s.at.clone()))
        .collect();
    assert_eq!(
        named,
        [
            ("SETTINGS_HEADER_TABLE_SIZE".to_string(), 4096, 9..15),
            ("SETTINGS_ENABLE_PUSH".to_string(), 0, 15..21),
            ("unknown setting 0x9".to_string(), 1, 21..27),
        ]
    );
    let ack = one(&frame(0x4, 0x01, 0, b"")).unwrap();
    assert_eq!(ack.header.flag_names(), ["ACK"]);
    assert_eq!(ack.payload, Payload::Settings { settings: vec![] });
}

#[test]
fn settings_errors() {
    let length = |length, expected| FrameError::Length {
        frame_type: FrameType::Settings,
        length,
        expected,
    };
    assert_eq!(
        one(&frame(0x4, 0, 0, &[0; 5])),
        Err(length(5, "a multiple of 6"))
    );
    assert_eq!(
        one(&frame(0x4, 0x01, 0, &[0; 6])),
        Err(length(6, "0 with ACK"))
    );
    assert_eq!(
        one(&frame(0x4, 0, 1, &[])),
        Err(FrameError::StreamIdNotZero(FrameType::Settings))
    );
    assert_eq!(
        one(&frame(0x4, 0, 0, b"\x00\x02\x00\x00\x00\x02")),
        Err(FrameError::SettingValue {
            id: SettingId::ENABLE_PUSH,
            value: 2
        })
    );
    assert_eq!(
        one(&frame(0x4, 0, 0, b"\x00\x05\x00\x00\x10\x00"))
            .unwrap_err()
            .to_string(),
        "SETTINGS_MAX_FRAME_SIZE = 4096 is not allowed"
    );
}

#[test]
fn the_small_frames() {
    let rst = one(&frame(0x3, 0, 3, &8u32.to_be_bytes())).unwrap();
    assert_eq!(
        rst.payload,
        Payload::RstStream {
            error_code: ErrorCode(8)
        }
    );
    assert_eq!(ErrorCode(8).to_string(), "CANCEL (0x8)");
    assert_eq!(ErrorCode(0xe).to_string(), "unknown error code 0xe");

    let goaway = one(&frame(0x7, 0, 0, b"\x80\x00\x00\x01\x00\x00\x00\x0bcalm")).unwrap();
    let Payload::Goaway {
        last_stream_id,
        error_code,
        debug_data,
    } = &goaway.payload
    else {
        panic!()
    };
    assert_eq!(
        (*last_stream_id, error_code.name()),
        (1, Some("ENHANCE_YOUR_CALM"))
    );
    assert_eq!(goaway.part(debug_data), b"calm");

    let update = one(&frame(0x8, 0, 0, &[0x00, 0x0f, 0x00, 0x01])).unwrap();
    assert_eq!(
        update.payload,
        Payload::WindowUpdate {
            window_size_increment: 983_041
        }
    );
    assert_eq!(
        one(&frame(0x8, 0, 1, &[0; 4])),
        Err(FrameError::ZeroWindowIncrement)
    );
    assert!(matches!(
        one(&frame(0x8, 0, 1, &[0, 0, 1])),
        Err(FrameError::Length {
            frame_type: FrameType::WindowUpdate,
            length: 3,
            ..
        })
    ));

    let promise = one(&frame(0x5, 0x04, 1, b"\x00\x00\x00\x02\x82")).unwrap();
    assert!(matches!(
        promise.payload,
        Payload::PushPromise {
            promised_stream_id: 2,
            ..
        }
    ));
    assert_eq!(promise.fragment(), Some(&b"\x82"[..]));

    let priority = one(&frame(0x2, 0, 3, b"\x00\x00\x00\x01\xff")).unwrap();
    assert!(matches!(
        priority.payload,
        Payload::Priority(PriorityFields { weight: 255, .. })
    ));
    assert_eq!(
        one(&frame(0x0, 0, 0, b"x")),
        Err(FrameError::StreamIdZero(FrameType::Data))
    );
    assert!(matches!(
        one(&frame(0x6, 0, 0, &[0; 7])),
        Err(FrameError::Length { .. })
    ));
}

#[test]
fn unknown_types_and_flags_are_kept() {
    let unknown = one(&frame(0xfa, 0xff, 0x8000_0003, b"raw")).unwrap();
    assert_eq!(unknown.payload, Payload::Unknown { payload: 9..12 });
    assert_eq!(
        (unknown.header.reserved, unknown.header.stream_id),
        (true, 3)
    );
    assert_eq!(unknown.header.flag_names(), Vec::<&str>::new());
    let data = one(&frame(0x0, 0xff ^ 0x08, 1, b"")).unwrap();
    assert_eq!(data.header.undefined_flags(), 0xf6);
}
