//! The three shapes of a register, from one table. `register!` takes the entity's fields in
//! order and writes the entity, the input, the patch, `create` (copy the input, version 1,
//! check) and `apply` (set what the patch carries, version + 1, check). What a register does
//! beyond that stays in its own code: in the hooks below, or beside the call.
//!
//! A row is `name: kind [where] = value,`, after the field's doc comments and attributes:
//!
//! * kind: `text` (trimmed `String`), `opt_text` (trimmed, empty is `None`), `nonblank`
//!   (`Option<String>`, blank is `None`, kept as written), `date` and `opt_date` (`YYYY-MM-DD`),
//!   `utc` and `opt_utc` (RFC 3339, stored in UTC to the microsecond), `Option<T>` (nullable:
//!   a patch tells absent from `null`), or any other type, copied as it is;
//! * where (optional): in the input and the patch when absent; `default` (the input may leave
//!   it out), `optional` (the input carries an `Option` of it), `no_input`, `no_patch`,
//!   `stored` (in neither), `by_hand` (in the patch, but the register's `apply` code sets it).
//!   Doc comments in the brackets go on the input's and the patch's field;
//! * `= value`: what `create` stores, instead of the input's field.
//!
//! `number,` stands for `id`, `workspace_id` and `number`; `version,` for `version`,
//! `created_at` and `updated_at`. After the three structs come, in this order:
//!
//! * `const KIND: Kind = ...;`
//! * `fn create(i, new: New) { ... }` (optional): the names a row's `= value` may use, and
//!   code run before the entity is made;
//! * `fn apply(self, p, now) -> v { ... } then { ... }` (optional, both blocks too): code run
//!   before the patch is applied, and after its fields are set on `v`, before the version;
//! * `fn close() { field: value }` (optional): `close` applies a patch of these fields;
//! * `fn check(self, c) { ... }`: the rules, recorded on the `Check` `c`.

use time::{Date, OffsetDateTime};

/// Text as stored: without surrounding white space.
pub(crate) fn trim(s: String) -> String {
    s.trim().to_owned()
}

/// Optional text, trimmed; empty is none.
pub(crate) fn non_empty(s: Option<String>) -> Option<String> {
    s.map(trim).filter(|s| !s.is_empty())
}

/// Optional text as written; blank is none.
pub(crate) fn non_blank(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

/// Stored in UTC, to the microsecond (the precision both databases keep).
pub(crate) fn utc(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

pub(crate) fn opt_utc(t: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    t.map(utc)
}

/// A nullable date in a patch: absent is `None`, `null` is `Some(None)`.
pub(crate) fn opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Date>>, D::Error> {
    super::date_format::date::option::deserialize(d).map(Some)
}

/// A nullable time in a patch: absent is `None`, `null` is `Some(None)`.
pub(crate) fn opt_ts<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<OffsetDateTime>>, D::Error> {
    time::serde::rfc3339::option::deserialize(d).map(Some)
}

/// See the module documentation. Internally, each row becomes `{docs name (attributes) (type)}`
/// in the entity, the input and the patch, `{name how}` in `create` and `{name (convert)}` in
/// `apply`; the first arm writes them out once no row is left.
macro_rules! register {
    (@row [$({{$($em:tt)*} $ef:ident ($($ea:tt)*) ($($et:tt)*)})*]
        [$({{$($im:tt)*} $nf:ident ($($ia:tt)*) ($($it:tt)*)})*]
        [$({{$($pm:tt)*} $pf:ident ($($pa:tt)*) ($($pt:tt)*)})*]
        [$({$cf:ident $($how:tt)*})*] [$({$af:ident $conv:tt set})*]
        {($($emeta:tt)*) $E:ident ($($imeta:tt)*) $I:ident ($($pmeta:tt)*) $P:ident ($($vmeta:tt)*) ($kind:expr)
            [$i:ident $($_i:tt)*] [$new:ident $($_n:tt)*] [($New:ty) $($_t:tt)*] {$($before_create:tt)*}
            [$s:ident $($_s:tt)*] [$p:ident $($_p:tt)*] [$now:ident $($_w:tt)*] [$v:ident $($_v:tt)*]
            {$($before_apply:tt)*} {$($after_apply:tt)*}
            [$({$($close:tt)*})?] ($($check_meta:tt)*) $cs:ident $c:ident {$($check:tt)*}}
    ) => {
        $($emeta)*
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        pub struct $E { $($($em)* $($ea)* pub $ef: $($et)*,)* }

        $($imeta)*
        #[derive(Debug, Clone, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $I { $($($im)* $($ia)* pub $nf: $($it)*,)* }

        $($pmeta)*
        #[derive(Debug, Clone, Default, ::serde::Deserialize, ::utoipa::ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $P {
            $($($pm)* $($pa)* pub $pf: $($pt)*,)*
            $($vmeta)*
            #[serde(default)]
            pub expected_version: Option<i64>,
        }

        impl $E {
            pub const KIND: $crate::Kind = $kind;

            pub fn create($i: $I, $new: $New) -> Result<Self, $crate::validate::Invalid> {
                $($before_create)*
                let v = $E { $($cf: $crate::registers::shape::register!(@init $i $new $cf $($how)*),)* };
                v.check()?;
                Ok(v)
            }

            pub fn apply(&$s, $p: $P, $now: ::time::OffsetDateTime) -> Result<Self, $crate::validate::Invalid> {
                $($before_apply)*
                let mut $v = $s.clone();
                $($crate::registers::shape::register!(@set $v $p $af $conv);)*
                $($after_apply)*
                $v.version += 1;
                $v.updated_at = $now;
                $v.check()?;
                Ok($v)
            }

            $(
                pub fn close(&self, now: ::time::OffsetDateTime) -> Result<Self, $crate::validate::Invalid> {
                    self.apply($P { $($close)* ..Default::default() }, now)
                }
            )?

            $($check_meta)*
            pub fn check(&$cs) -> Result<(), $crate::validate::Invalid> {
                let mut $c = $crate::validate::Check::new();
                $($check)*
                $c.finish()
            }
        }
    };

    (@init $i:ident $new:ident $f:ident [$g:ident]) => { $new.$g };
    (@init $i:ident $new:ident $f:ident $conv:tt {= $e:expr}) => { $e };
    (@init $i:ident $new:ident $f:ident () {}) => { $i.$f };
    (@init $i:ident $new:ident $f:ident ($($conv:tt)+) {}) => { $($conv)+($i.$f) };
    (@set $v:ident $p:ident $f:ident ()) => { $crate::patch::set(&mut $v.$f, $p.$f) };
    (@set $v:ident $p:ident $f:ident ($($conv:tt)+)) => { $crate::patch::set(&mut $v.$f, $p.$f.map($($conv)+)) };

    // The fixed fields.
    (@row [$($e:tt)*] $in:tt $pa:tt [$($cr:tt)*] $ap:tt $h:tt $(#[$m:meta])* number, $($rows:tt)*) => {
        $crate::registers::shape::register!(@row
            [$($e)* {{} id () (::uuid::Uuid)} {{} workspace_id () (::uuid::Uuid)} {{$(#[$m])*} number () (i64)}]
            $in $pa [$($cr)* {id [id]} {workspace_id [workspace_id]} {number [number]}] $ap $h $($rows)*);
    };
    (@row [$($e:tt)*] $in:tt $pa:tt [$($cr:tt)*] $ap:tt $h:tt version, $($rows:tt)*) => {
        $crate::registers::shape::register!(@row
            [$($e)* {{} version () (i64)}
                {{} created_at (#[serde(with = "time::serde::rfc3339")]) (::time::OffsetDateTime)}
                {{} updated_at (#[serde(with = "time::serde::rfc3339")]) (::time::OffsetDateTime)}]
            $in $pa [$($cr)* {version () {= 1}} {created_at [now]} {updated_at [now]}] $ap $h $($rows)*);
    };

    // The kinds: (entity) (input) (input with a default; none for `date` and `utc`) (patch, or the
    // input of an `Option`) (convert).
    (@row $e:tt $in:tt $pa:tt $cr:tt $ap:tt $h:tt $(#[$m:meta])* $f:ident: text $([$($w:tt)*])? $(= $x:expr)?, $($rows:tt)*) => {
        $crate::registers::shape::register!(@put [$($($w)*)?] $f {$(#[$m])*}
            (() (String)) (() (String)) ((#[serde(default)]) (String)) ((#[serde(default)]) (Option<String>))
            ($crate::registers::shape::trim) {$(= $x)?} $e $in $pa $cr $ap $h $($rows)*);
    };
    (@row $e:tt $in:tt $pa:tt $cr:tt $ap:tt $h:tt $(#[$m:meta])* $f:ident: opt_text $([$($w:tt)*])? $(= $x:expr)?, $($rows:tt)*) => {
        $crate::registers::shape::register!(@row $e $in $pa $cr $ap $h
            $(#[$m])* $f: Option<String> [convert ($crate::registers::shape::non_empty) $($($w)*)?] $(= $x)?, $($rows)*);
    };
    (@row $e:tt $in:tt $pa:tt $cr:tt $ap:tt $h:tt $(#[$m:meta])* $f:ident: nonblank $([$($w:tt)*])? $(= $x:expr)?, $($rows:tt)*) => {
        $crate::registers::shape::register!(@row $e $in $pa $cr $ap $h
            $(#[$m])* $f: Option<String> [convert ($crate::registers::shape::non_blank) $($($w)*)?] $(= $x)?, $($rows)*);
    };
    (@row $e:tt $in:tt $pa:tt $cr:tt $ap:tt $h:tt $(#[$m:meta])* $f:ident: date $([$($w:tt)*])? $(= $x:expr)?, $($rows:tt)*) => {
        $crate::registers::shape::register!(@put [$($($w)*)?] $f {$(#[$m])*}
            ((#[serde(with = "crate::registers::date_format::date")] #[schema(value_type = String, format = Date)])
                (::time::Date))
            ((#[serde(with = "crate::registers::date_format::date")] #[schema(value_type = String, format = Date)])
                (::time::Date))
            (() ())
            ((#[serde(default, with = "crate::registers::date_format::date::option")]
                #[schema(value_type = Option<String>, format = Date)]) (Option<::time::Date>))
            () {$(= $x)?} $e $in $pa $cr $ap $h $($rows)*);
    };
    (@row $e:tt $in:tt $pa:tt $cr:tt $ap:tt $h:tt $(#[$m:meta])* $f:ident: opt_date $([$($w:tt)*])? $(= $x:expr)?, $($rows:tt)*) => {
        $crate::registers::shape::register!(@put [$($($w)*)?] $f {$(#[$m])*}
            ((#[serde(with = "crate::registers::date_format::date::option")]
                #[schema(value_type = Option<String>, format = Date)]) (Option<::time::Date>))
            ((#[serde(default, with = "crate::registers::date_format::date::option")]
                #[schema(value_type = Option<String>, format = Date)]) (Option<::time::Date>))
            (() ())
            ((#[serde(default, deserialize_with = "crate::registers::shape::opt_date")]
                #[schema(value_type = Option<String>, format = Date)]) (Option<Option<::time::Date>>))
            () {$(= $x)?} $e $in $pa $cr $ap $h $($rows)*);
    };
    (@row $e:tt $in:tt $pa:tt $cr:tt $ap:tt $h:tt $(#[$m:meta])* $f:ident: utc $([$($w:tt)*])? $(= $x:expr)?, $($rows:tt)*) => {
        $crate::registers::shape::register!(@put [$($($w)*)?] $f {$(#[$m])*}
            ((#[serde(with = "time::serde::rfc3339")]) (::time::OffsetDateTime))
            ((#[serde(with = "time::serde::rfc3339")]) (::time::OffsetDateTime))
            (() ())
            ((#[serde(default, with = "time::serde::rfc3339::option")]) (Option<::time::OffsetDateTime>))
            ($crate::registers::shape::utc) {$(= $x)?} $e $in $pa $cr $ap $h $($rows)*);
    };
    (@row $e:tt $in:tt $pa:tt $cr:tt $ap:tt $h:tt $(#[$m:meta])* $f:ident: opt_utc $([$($w:tt)*])? $(= $x:expr)?, $($rows:tt)*) => {
        $crate::registers::shape::register!(@put [$($($w)*)?] $f {$(#[$m])*}
            ((#[serde(with = "time::serde::rfc3339::option")]) (Option<::time::OffsetDateTime>))
            ((#[serde(default, with = "time::serde::rfc3339::option")]) (Option<::time::OffsetDateTime>))
            (() ())
            ((#[serde(default, deserialize_with = "crate::registers::shape::opt_ts")]
                #[schema(value_type = Option<String>, format = DateTime)]) (Option<Option<::time::OffsetDateTime>>))
            ($crate::registers::shape::opt_utc) {$(= $x)?} $e $in $pa $cr $ap $h $($rows)*);
    };
    (@row $e:tt $in:tt $pa:tt $cr:tt $ap:tt $h:tt $(#[$m:meta])* $f:ident: Option<$T:ident> $([$($w:tt)*])? $(= $x:expr)?, $($rows:tt)*) => {
        $crate::registers::shape::register!(@opt [$($($w)*)?] $f {$(#[$m])*} $T {$(= $x)?} $e $in $pa $cr $ap $h $($rows)*);
    };
    (@row $e:tt $in:tt $pa:tt $cr:tt $ap:tt $h:tt $(#[$m:meta])* $f:ident: $T:ty $([$($w:tt)*])? $(= $x:expr)?, $($rows:tt)*) => {
        $crate::registers::shape::register!(@put [$($($w)*)?] $f {$(#[$m])*}
            (() ($T)) (() ($T)) ((#[serde(default)]) ($T)) ((#[serde(default)]) (Option<$T>))
            () {$(= $x)?} $e $in $pa $cr $ap $h $($rows)*);
    };
    // A nullable field, converted on the way in when the kind says so.
    (@opt [convert $conv:tt $($w:tt)*] $f:ident $m:tt $T:ident $x:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@nullable [$($w)*] $conv $f $m $T $x $($rest)*);
    };
    (@opt [$($w:tt)*] $f:ident $m:tt $T:ident $x:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@nullable [$($w)*] () $f $m $T $x $($rest)*);
    };
    (@nullable [$($w:tt)*] $conv:tt $f:ident $m:tt $T:ident $x:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@put [$($w)*] $f $m
            (() (Option<$T>)) ((#[serde(default)]) (Option<$T>)) ((#[serde(default)]) (Option<$T>))
            ((#[serde(default, deserialize_with = "crate::patch::some")] #[schema(value_type = Option<$T>)])
                (Option<Option<$T>>))
            $conv $x $($rest)*);
    };

    // Where a row goes: (input form or nothing) (patch form or nothing) (set by `apply` or not).
    (@put [default $($d:tt)*] $f:ident $m:tt $ent:tt $req:tt $def:tt $opt:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@push {$($d)*} [$def] [$opt] [set] $f $m $ent $($rest)*);
    };
    (@put [optional no_patch $($d:tt)*] $f:ident $m:tt $ent:tt $req:tt $def:tt $opt:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@push {$($d)*} [$opt] [] [] $f $m $ent $($rest)*);
    };
    (@put [optional by_hand $($d:tt)*] $f:ident $m:tt $ent:tt $req:tt $def:tt $opt:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@push {$($d)*} [$opt] [$opt] [] $f $m $ent $($rest)*);
    };
    (@put [optional $($d:tt)*] $f:ident $m:tt $ent:tt $req:tt $def:tt $opt:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@push {$($d)*} [$opt] [$opt] [set] $f $m $ent $($rest)*);
    };
    (@put [no_input by_hand $($d:tt)*] $f:ident $m:tt $ent:tt $req:tt $def:tt $opt:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@push {$($d)*} [] [$opt] [] $f $m $ent $($rest)*);
    };
    (@put [no_input $($d:tt)*] $f:ident $m:tt $ent:tt $req:tt $def:tt $opt:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@push {$($d)*} [] [$opt] [set] $f $m $ent $($rest)*);
    };
    (@put [no_patch $($d:tt)*] $f:ident $m:tt $ent:tt $req:tt $def:tt $opt:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@push {$($d)*} [$req] [] [] $f $m $ent $($rest)*);
    };
    (@put [stored $($d:tt)*] $f:ident $m:tt $ent:tt $req:tt $def:tt $opt:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@push {$($d)*} [] [] [] $f $m $ent $($rest)*);
    };
    (@put [$($d:tt)*] $f:ident $m:tt $ent:tt $req:tt $def:tt $opt:tt $($rest:tt)*) => {
        $crate::registers::shape::register!(@push {$($d)*} [$req] [$opt] [set] $f $m $ent $($rest)*);
    };
    (@push $d:tt [$(($($ia:tt)*))?] [$(($($pa:tt)*))?] [$($set:ident)?] $f:ident $m:tt ($($ent:tt)*) $conv:tt $x:tt
        [$($e:tt)*] [$($in:tt)*] [$($pat:tt)*] [$($cr:tt)*] [$($ap:tt)*] $h:tt $($rows:tt)*
    ) => {
        $crate::registers::shape::register!(@row
            [$($e)* {$m $f $($ent)*}]
            [$($in)* $({$d $f $($ia)*})?]
            [$($pat)* $({$d $f $($pa)*})?]
            [$($cr)* {$f $conv $x}]
            [$($ap)* $({$f $conv $set})?]
            $h $($rows)*);
    };

    (
        $(#[$em:meta])*
        pub struct $E:ident { $($rows:tt)* }
        $(#[$im:meta])*
        pub struct $I:ident;
        $(#[$pm:meta])*
        pub struct $P:ident $({ $(#[$vm:meta])* expected_version })? $(;)?
        const KIND: Kind = $kind:expr;
        $(fn create($i:ident, $new:ident: $New:ty) $({ $($before_create:tt)* })? $(;)?)?
        $(fn apply($s:ident, $p:ident, $now:ident) -> $v:ident
            $({ $($before_apply:tt)* })? $(then { $($after_apply:tt)* })? $(;)?)?
        $(fn close() { $($cf:ident: $cv:expr),+ $(,)? })?
        $(#[$cm:meta])*
        fn check($cs:ident, $c:ident) { $($check:tt)* }
    ) => {
        $crate::registers::shape::register!(@row [] [] [] [] []
            {($(#[$em])*) $E ($(#[$im])*) $I ($(#[$pm])*) $P ($($(#[$vm])*)?) ($kind)
                [$($i)? i] [$($new)? new] [$(($New))? ($crate::registers::New)] {$($($($before_create)*)?)?}
                [$($s)? self] [$($p)? p] [$($now)? now] [$($v)? v]
                {$($($($before_apply)*)?)?} {$($($($after_apply)*)?)?}
                [$({$($cf: Some($cv),)+})?] ($(#[$cm])*) $cs $c {$($check)*}}
            $($rows)*);
    };
}

pub(crate) use register;
