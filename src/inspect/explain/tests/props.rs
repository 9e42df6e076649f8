//! Properties: on any bytes, with or without a schema, the annotations never panic and cut
//! the input into consecutive spans (every byte in exactly one), and the rendering shows every
//! byte once; a valid message gets no error.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::{bytes_shown, check_spans, ty};
use crate::inspect::explain::*;
use crate::protobuf::{Message, Text};
use crate::services::interop::{BoolValue, EchoStatus, Payload, SimpleRequest, TestOrcaReport};

/// Types with every kind of field between them: scalars, packed, maps, groups, enums, nesting.
const TYPES: &[&str] = &[
    "hello.HelloRequest",
    "shop.v2.Order",
    "shop.v2.Defaults",
    "grpc.testing.SimpleRequest",
    "grpc.testing.LoadBalancerStatsResponse",
];

fn check(bytes: &[u8], annotations: &[Annotation], base: usize) -> Result<(), TestCaseError> {
    check_spans(bytes.len(), annotations, base).map_err(TestCaseError::fail)?;
    let text = render_text(bytes, annotations);
    prop_assert_eq!(bytes_shown(&text, annotations), bytes);
    Ok(())
}

/// A valid record, as bytes: a key of a small field number, then a value of its wire type; a
/// `LEN` value is bytes or a nested message of such records, a group holds such records.
fn record(depth: u32) -> BoxedStrategy<Vec<u8>> {
    let number = 1u32..40;
    let leaf = prop_oneof![
        (number.clone(), any::<u64>())
            .prop_map(|(n, v)| [varint(u64::from(n << 3)), varint(v)].concat()),
        (number.clone(), any::<[u8; 8]>()).prop_map(|(n, v)| [
            varint(u64::from(n << 3 | 1)),
            v.to_vec()
        ]
        .concat()),
        (number.clone(), any::<[u8; 4]>()).prop_map(|(n, v)| [
            varint(u64::from(n << 3 | 5)),
            v.to_vec()
        ]
        .concat()),
        (number.clone(), prop::collection::vec(any::<u8>(), 0..20))
            .prop_map(|(n, v)| len_record(n, &v)),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let inner = prop::collection::vec(record(depth - 1), 0..4).prop_map(|r| r.concat());
    prop_oneof![
        3 => leaf,
        1 => (number.clone(), inner.clone()).prop_map(|(n, m)| len_record(n, &m)),
        1 => (number, inner).prop_map(|(n, m)| {
            [varint(u64::from(n << 3 | 3)), m, varint(u64::from(n << 3 | 4))].concat()
        }),
    ]
    .boxed()
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push(v.to_le_bytes()[0] | 0x80);
        v >>= 7;
    }
    out.push(v.to_le_bytes()[0]);
    out
}

fn len_record(number: u32, content: &[u8]) -> Vec<u8> {
    [
        varint(u64::from(number << 3 | 2)),
        varint(content.len() as u64),
        content.to_vec(),
    ]
    .concat()
}

fn simple_request() -> impl Strategy<Value = SimpleRequest> {
    (
        any::<i32>(),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
        any::<(bool, bool, bool)>(),
        prop::option::of((any::<i32>(), ".{0,20}")),
        prop::option::of(any::<bool>()),
        prop::collection::btree_map("[a-z]{0,6}", any::<f64>(), 0..3),
    )
        .prop_map(
            |(size, payload, (user, scope, server), status, compressed, cost)| SimpleRequest {
                response_type: 0,
                response_size: size,
                payload: payload.map(|body| Payload {
                    r#type: 0,
                    body: body.into(),
                }),
                fill_username: user,
                fill_oauth_scope: scope,
                response_compressed: compressed.and_then(BoolValue::some),
                response_status: status.map(|(code, message)| EchoStatus {
                    code,
                    message: Text::from(message),
                }),
                expect_compressed: None,
                fill_server_id: server,
                fill_grpclb_route_type: false,
                orca_per_query_report: (!cost.is_empty()).then(|| TestOrcaReport {
                    cpu_utilization: 0.5,
                    memory_utilization: -1.0,
                    request_cost: cost
                        .into_iter()
                        .map(|(k, v)| (Text::from(k), v))
                        .collect::<BTreeMap<_, _>>(),
                    utilization: BTreeMap::new(),
                }),
            },
        )
}

/// Any annotations at all: ranges anywhere (reversed, overlapping, past the end), any depth.
fn any_annotations() -> impl Strategy<Value = Vec<Annotation>> {
    let role = prop::sample::select(vec![Role::Key, Role::Value, Role::Error]);
    let one =
        (0usize..80, 0usize..80, any::<usize>(), role).prop_map(|(start, end, depth, role)| {
            Annotation {
                at: start..end,
                depth,
                role,
                note: "note".to_owned(),
            }
        });
    prop::collection::vec(one, 0..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_annotations_render_every_byte_once(
        bytes in prop::collection::vec(any::<u8>(), 0..60),
        annotations in any_annotations(),
    ) {
        let text = render_text(&bytes, &annotations);
        let octets = text
            .lines()
            .flat_map(|line| line.split_whitespace())
            .filter(|token| token.len() == 2 && token.bytes().all(|b| b.is_ascii_hexdigit()))
            .count();
        prop_assert_eq!(octets, bytes.len(), "{}", text);
    }

    #[test]
    fn any_bytes_are_covered_raw(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes, &annotate_message(&bytes, None), 0)?;
        check(&bytes, &annotate_grpc(&bytes, None), 0)?;
    }

    #[test]
    fn any_bytes_are_covered_with_a_schema(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        name in prop::sample::select(TYPES),
    ) {
        let ty = ty(name);
        check(&bytes, &annotate_message(&bytes, Some(&ty)), 0)?;
        check(&bytes, &annotate_grpc(&bytes, Some(&ty)), 0)?;
    }

    #[test]
    fn valid_records_have_no_error_raw(records in prop::collection::vec(record(3), 0..6)) {
        let bytes = records.concat();
        let annotations = annotate_message(&bytes, None);
        check(&bytes, &annotations, 0)?;
        let bad = annotations.iter().find(|a| matches!(a.role, Role::Error | Role::Unparsed));
        prop_assert!(bad.is_none(), "{:?}", bad);
    }

    #[test]
    fn valid_records_are_covered_with_a_schema(
        records in prop::collection::vec(record(3), 0..6),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        name in prop::sample::select(TYPES),
    ) {
        let mut bytes = records.concat();
        for (at, byte) in flips {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
        }
        let ty = ty(name);
        check(&bytes, &annotate_message(&bytes, Some(&ty)), 0)?;
    }

    #[test]
    fn a_valid_message_of_its_type_has_no_error(request in simple_request()) {
        let bytes = request.encode_to_vec();
        let ty = ty("grpc.testing.SimpleRequest");
        let annotations = annotate_message(&bytes, Some(&ty));
        check(&bytes, &annotations, 0)?;
        let bad = annotations
            .iter()
            .find(|a| matches!(a.role, Role::Error | Role::Unparsed) || a.note.contains("unknown"));
        prop_assert!(bad.is_none(), "{:?}", bad);
        let keys = annotations.iter().filter(|a| a.role == Role::Key).count();
        prop_assert!(keys > 0 || bytes.is_empty());
    }
}
