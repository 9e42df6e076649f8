//! `Everything`: a test message that uses every field shape h2grpc supports, written by hand
//! with the codec. Shared by the `wire` and `alloc` test binaries.
//!
//!
//! ```proto
//! syntax = "proto3";
//! enum Color { RED = 0; GREEN = 1; BLUE = 2; }
//! message BoolValue { bool value = 1; }
//! message Everything {
//!   int32 i32 = 1;   int64 i64 = 2;   uint32 u32 = 3;   uint64 u64 = 4;
//!   sint32 s32 = 5;  sint64 s64 = 6;  bool b = 7;       Color color = 8;
//!   fixed32 f32 = 9; fixed64 f64 = 10; sfixed32 sf32 = 11; sfixed64 sf64 = 12;
//!   float fl = 13;   double db = 14;  string s = 15;    bytes by = 16;
//!   Everything child = 17;
//!   repeated int32 r_i32 = 18;   repeated sint64 r_s64 = 19; repeated double r_db = 20;
//!   repeated fixed32 r_f32 = 21; repeated bool r_b = 22;     repeated Color r_color = 23;
//!   repeated string r_s = 24;    repeated bytes r_by = 25;   repeated Everything r_child = 26;
//!   map<string, int32> m_i32 = 27; map<string, string> m_s = 28; map<string, Everything> m_child = 29;
//!   BoolValue wrapped = 30;
//!   oneof choice { string c_s = 31; int64 c_i = 32; Everything c_m = 33; }
//!   optional int32 opt = 34;
//!   uint64 last = 536870911;
//! }
//! ```

use std::collections::BTreeMap;

use bytes::Bytes;
use h2grpc::protobuf::{
    Bin, Bool, DecodeError, Decoder, Double, Enum, FieldSink, Fixed32, Int32, Int64, Message, Msg,
    Sint64, Str, Text,
};

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct BoolValue {
    pub(crate) value: bool,
}

impl Message for BoolValue {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.bool(1, self.value);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.bool(&mut self.value),
            _ => d.skip(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Choice {
    CS(Text),
    CI(i64),
    CM(Box<Everything>),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Everything {
    pub(crate) i32: i32,
    pub(crate) i64: i64,
    pub(crate) u32: u32,
    pub(crate) u64: u64,
    pub(crate) s32: i32,
    pub(crate) s64: i64,
    pub(crate) b: bool,
    pub(crate) color: i32,
    pub(crate) f32: u32,
    pub(crate) f64: u64,
    pub(crate) sf32: i32,
    pub(crate) sf64: i64,
    pub(crate) fl: f32,
    pub(crate) db: f64,
    pub(crate) s: Text,
    pub(crate) by: Bytes,
    pub(crate) child: Option<Box<Self>>,
    pub(crate) r_i32: Vec<i32>,
    pub(crate) r_s64: Vec<i64>,
    pub(crate) r_db: Vec<f64>,
    pub(crate) r_f32: Vec<u32>,
    pub(crate) r_b: Vec<bool>,
    pub(crate) r_color: Vec<i32>,
    pub(crate) r_s: Vec<Text>,
    pub(crate) r_by: Vec<Bytes>,
    pub(crate) r_child: Vec<Self>,
    pub(crate) m_i32: BTreeMap<Text, i32>,
    pub(crate) m_s: BTreeMap<Text, Text>,
    pub(crate) m_child: BTreeMap<Text, Self>,
    pub(crate) wrapped: Option<BoolValue>,
    pub(crate) choice: Option<Choice>,
    pub(crate) opt: Option<i32>,
    pub(crate) last: u64,
}

impl Message for Box<Everything> {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        (**self).encode_fields(s);
    }
    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        (**self).merge_field(number, d)
    }
}

impl Message for Everything {
    fn encode_fields<S: FieldSink>(&self, s: &mut S) {
        s.int32(1, self.i32);
        s.int64(2, self.i64);
        s.uint32(3, self.u32);
        s.uint64(4, self.u64);
        s.sint32(5, self.s32);
        s.sint64(6, self.s64);
        s.bool(7, self.b);
        s.enumeration(8, self.color);
        s.fixed32(9, self.f32);
        s.fixed64(10, self.f64);
        s.sfixed32(11, self.sf32);
        s.sfixed64(12, self.sf64);
        s.float(13, self.fl);
        s.double(14, self.db);
        s.string(15, &self.s);
        s.bytes(16, &self.by);
        s.message(17, self.child.as_ref());
        s.repeated::<Int32>(18, &self.r_i32);
        s.repeated::<Sint64>(19, &self.r_s64);
        s.repeated::<Double>(20, &self.r_db);
        s.repeated::<Fixed32>(21, &self.r_f32);
        s.repeated::<Bool>(22, &self.r_b);
        s.repeated::<Enum>(23, &self.r_color);
        s.repeated::<Str>(24, &self.r_s);
        s.repeated::<Bin>(25, &self.r_by);
        s.repeated::<Msg<Self>>(26, &self.r_child);
        s.map::<Str, Int32>(27, &self.m_i32);
        s.map::<Str, Str>(28, &self.m_s);
        s.map::<Str, Msg<Self>>(29, &self.m_child);
        s.message(30, self.wrapped.as_ref());
        match &self.choice {
            Some(Choice::CS(v)) => s.optional::<Str>(31, Some(v)),
            Some(Choice::CI(v)) => s.optional::<Int64>(32, Some(v)),
            Some(Choice::CM(v)) => s.message(33, Some(v)),
            None => {}
        }
        s.optional::<Int32>(34, self.opt.as_ref());
        s.uint64(536_870_911, self.last);
    }

    fn merge_field(&mut self, number: u32, d: &mut Decoder<'_>) -> Result<(), DecodeError> {
        match number {
            1 => d.int32(&mut self.i32),
            2 => d.int64(&mut self.i64),
            3 => d.uint32(&mut self.u32),
            4 => d.uint64(&mut self.u64),
            5 => d.sint32(&mut self.s32),
            6 => d.sint64(&mut self.s64),
            7 => d.bool(&mut self.b),
            8 => d.enumeration(&mut self.color),
            9 => d.fixed32(&mut self.f32),
            10 => d.fixed64(&mut self.f64),
            11 => d.sfixed32(&mut self.sf32),
            12 => d.sfixed64(&mut self.sf64),
            13 => d.float(&mut self.fl),
            14 => d.double(&mut self.db),
            15 => d.string(&mut self.s),
            16 => d.bytes(&mut self.by),
            17 => d.message(&mut self.child),
            18 => d.repeated::<Int32>(&mut self.r_i32),
            19 => d.repeated::<Sint64>(&mut self.r_s64),
            20 => d.repeated::<Double>(&mut self.r_db),
            21 => d.repeated::<Fixed32>(&mut self.r_f32),
            22 => d.repeated::<Bool>(&mut self.r_b),
            23 => d.repeated::<Enum>(&mut self.r_color),
            24 => d.repeated::<Str>(&mut self.r_s),
            25 => d.repeated::<Bin>(&mut self.r_by),
            26 => d.repeated::<Msg<Self>>(&mut self.r_child),
            27 => d.map::<Str, Int32>(&mut self.m_i32),
            28 => d.map::<Str, Str>(&mut self.m_s),
            29 => d.map::<Str, Msg<Self>>(&mut self.m_child),
            30 => d.message(&mut self.wrapped),
            31 => {
                self.choice = Some(Choice::CS(d.value::<Str>()?));
                Ok(())
            }
            32 => {
                self.choice = Some(Choice::CI(d.value::<Int64>()?));
                Ok(())
            }
            // A oneof message arm seen twice merges, like any message field.
            33 => match &mut self.choice {
                Some(Choice::CM(m)) => d.field::<Msg<Box<Self>>>(m),
                _ => {
                    self.choice = Some(Choice::CM(d.value::<Msg<Box<Self>>>()?));
                    Ok(())
                }
            },
            34 => d.optional::<Int32>(&mut self.opt),
            536_870_911 => d.uint64(&mut self.last),
            _ => d.skip(),
        }
    }
}
