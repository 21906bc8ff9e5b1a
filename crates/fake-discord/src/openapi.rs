//! Checks the JSON bodies the bot sends against Discord's own OpenAPI description.
//!
//! The sandbox is a fake Discord, so a body it accepts might still be refused by the real API.
//! To close that gap it validates every JSON request body against the request schema that
//! Discord publishes (discord/discord-api-spec, `specs/openapi.json`, OpenAPI 3.1). The spec is
//! data that lives outside the project, found at run time ([`OpenApi::locate`]: a path given,
//! `$SMALLACTS_DISCORD_OPENAPI`, or `shared/discord/openapi.json` in or beside the current
//! directory); when it is absent, callers skip the check.
//!
//! How it works:
//! - The whole document is registered once, under a made-up base URI, as a JSON Schema 2020-12
//!   resource (OpenAPI 3.1 schema objects are 2020-12 schemas). A route's validator is then
//!   built from `{"$ref": "<base>#/paths/<template>/<method>/requestBody/content/application~1json/schema"}`,
//!   so the `$ref: "#/components/schemas/..."` inside resolve against the document. Nothing is
//!   ever fetched: the crate is built without its HTTP/file resolvers.
//! - Validators are compiled lazily, once per (template, method), and cached in a `OnceLock`.
//!
//! Spec quirks handled here:
//! - OpenAPI-only keywords (`discriminator`, `example`, `x-...` such as Discord's
//!   `"x-discord-union": "oneOf"`) are not JSON Schema keywords; jsonschema ignores unknown
//!   keywords, so they neither break compilation nor take effect. Note that Discord writes some
//!   unions as `anyOf` tagged `x-discord-union: oneOf`; we honour the `anyOf` (the webhook-execute
//!   body matches both of its alternatives, so `oneOf` would wrongly refuse it).
//! - `format` stays an annotation (the 2020-12 default). The spec uses OpenAPI formats that
//!   jsonschema does not know (`int32`, `int64`, `double`, `snowflake`, `nonce`) next to
//!   `uri` and `date-time`; asserting the latter would be stricter than Discord is about
//!   e.g. timestamps, and a false refusal costs more here than a missed one.
//! - Permission bit sets (`default_member_permissions`, `permissions`, `allow`, `deny`) are typed
//!   `integer` in the spec, but Discord documents them as strings and serenity/poise send
//!   strings such as `"32"`. On load such properties are widened to also accept a string of
//!   digits.
//! - Snowflakes are `{"type": "string", "pattern": ...}` (`SnowflakeType`), so numeric ids in a
//!   body are refused although real Discord often tolerates them; serenity sends strings.
//! - Discord's enums are `oneOf` lists of titled `const`s and its nullable fields are
//!   `oneOf [{"type": "null"}, X]`, so a failed union is common and its bare message says
//!   little; `describe` reports the closest alternative's own errors instead.

use std::{
    collections::HashMap,
    fmt::Write as _,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use jsonschema::{Draft, Registry, ValidationError, Validator, error::ValidationErrorKind};
use serde_json::{Value, json};

/// The URI the spec is registered under. It is never fetched (`.invalid` cannot resolve, and
/// jsonschema is built without retrievers); it only anchors `$ref` resolution.
const BASE_URI: &str = "https://smallacts.invalid/discord/openapi.json";

/// At most this many violations are listed for one body.
const MAX_VIOLATIONS: usize = 20;

/// HTTP methods an OpenAPI path item may describe.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Property names that hold a permission bit set: integer in the spec, string on the wire.
const PERMISSION_FIELDS: [&str; 4] = ["default_member_permissions", "permissions", "allow", "deny"];

/// Discord's OpenAPI description, ready to check request bodies.
pub struct OpenApi {
    /// The whole document, registered under [`BASE_URI`].
    registry: Registry<'static>,
    routes: Vec<Route>,
    /// Route indices by number of path segments.
    by_len: HashMap<usize, Vec<usize>>,
}

// The sandbox shares one `OpenApi` between the tasks of an axum server.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<OpenApi>();
};

impl std::fmt::Debug for OpenApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApi")
            .field("routes", &self.routes.len())
            .finish_non_exhaustive()
    }
}

/// A path template such as `/channels/{channel_id}/messages`.
struct Route {
    template: String,
    /// `Some(literal)` or `None` for a `{parameter}`.
    segments: Vec<Option<String>>,
    /// Bit `63 - i` is set when segment `i` is a parameter: the smaller the mask, the earlier
    /// the first literal, so the minimum among matching routes is the most literal one.
    param_mask: u64,
    /// Methods (lower case) that take a JSON body with a schema.
    bodies: Vec<(String, Body)>,
}

struct Body {
    /// JSON pointer, into the document, of the body's schema.
    pointer: String,
    validator: OnceLock<Result<Validator, String>>,
}

/// Why the spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error("there is no Discord OpenAPI spec at {path} (named by {named_by})")]
    Missing {
        path: PathBuf,
        /// What named the path: the caller, or the environment variable.
        named_by: &'static str,
    },
    #[error("cannot read the Discord OpenAPI spec at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the Discord OpenAPI spec at {path} is not valid JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("not an OpenAPI 3.1 description: {0}")]
    NotOpenApi(String),
    #[error("cannot index the schemas of the OpenAPI description: {0}")]
    Schema(String),
}

/// The outcome of a successful [`OpenApi::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    /// The body matches the route's request schema.
    Valid,
    /// The spec has no operation, or no JSON body schema, for this method and path.
    NoSchema,
}

impl OpenApi {
    /// The environment variable that names a copy of the spec.
    pub const ENV_VAR: &'static str = "SMALLACTS_DISCORD_OPENAPI";

    /// Where the spec is looked for when no file is named, relative to the current directory:
    /// a `shared/` folder in it, or beside it (a checkout next to `shared/`).
    pub const NEARBY: [&'static str; 2] = [
        "shared/discord/openapi.json",
        "../shared/discord/openapi.json",
    ];

    /// Finds the spec's file at run time: `file` when given, else the file named by
    /// `$SMALLACTS_DISCORD_OPENAPI`, else the first of [`OpenApi::NEARBY`] that exists.
    ///
    /// Returns `Ok(None)` when nothing was named and nothing is nearby (callers then skip
    /// checking), and an error when a named file does not exist: a path given on purpose is
    /// never skipped silently. Nothing of the machine that built the binary is consulted.
    pub fn locate(file: Option<&Path>) -> Result<Option<PathBuf>, OpenApiError> {
        let named = file.map(|f| (f.to_owned(), "the caller")).or_else(|| {
            std::env::var_os(Self::ENV_VAR)
                .filter(|p| !p.is_empty())
                .map(|p| (PathBuf::from(p), "$SMALLACTS_DISCORD_OPENAPI"))
        });
        if let Some((path, named_by)) = named {
            return if path.is_file() {
                Ok(Some(path))
            } else {
                Err(OpenApiError::Missing { path, named_by })
            };
        }
        Ok(Self::NEARBY
            .iter()
            .map(PathBuf::from)
            .find(|path| path.is_file()))
    }

    /// Loads the spec from a file.
    pub fn load(path: &Path) -> Result<OpenApi, OpenApiError> {
        let bytes = std::fs::read(path).map_err(|source| OpenApiError::Io {
            path: path.to_owned(),
            source,
        })?;
        let spec = serde_json::from_slice(&bytes).map_err(|source| OpenApiError::Json {
            path: path.to_owned(),
            source,
        })?;
        Self::from_value(spec)
    }

    /// Indexes an OpenAPI 3.1 description. Validators are compiled later, on first use.
    pub fn from_value(mut spec: Value) -> Result<OpenApi, OpenApiError> {
        let version = spec
            .get("openapi")
            .and_then(Value::as_str)
            .ok_or_else(|| OpenApiError::NotOpenApi("no \"openapi\" version string".into()))?;
        // 3.0 schemas are not JSON Schema (`nullable`, ...); 3.1 and later use 2020-12.
        let minor = version
            .strip_prefix("3.")
            .and_then(|rest| rest.split('.').next())
            .and_then(|minor| minor.parse::<u32>().ok());
        if minor.is_none_or(|minor| minor < 1) {
            return Err(OpenApiError::NotOpenApi(format!(
                "version {version} (need 3.1 or later)"
            )));
        }
        let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
            return Err(OpenApiError::NotOpenApi("no \"paths\" object".into()));
        };

        let mut routes = Vec::new();
        for (template, item) in paths {
            let item_pointer = format!("/paths/{}", escape_pointer(template));
            let Some((item_pointer, item)) = follow_ref(&spec, item_pointer, item) else {
                continue;
            };
            let mut bodies = Vec::new();
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    let op_pointer = format!("{item_pointer}/{method}");
                    if let Some(pointer) = json_body_schema(&spec, &op_pointer, op) {
                        bodies.push((method.to_owned(), Body::new(pointer)));
                    }
                }
            }
            routes.push(Route::new(template, bodies));
        }
        let mut by_len: HashMap<usize, Vec<usize>> = HashMap::new();
        for (index, route) in routes.iter().enumerate() {
            by_len.entry(route.segments.len()).or_default().push(index);
        }

        widen_permission_fields(&mut spec);
        widen_attachment_ids(&mut spec);
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(BASE_URI, spec)
            .and_then(|builder| builder.prepare())
            .map_err(|err| OpenApiError::Schema(err.to_string()))?;
        Ok(OpenApi {
            registry,
            routes,
            by_len,
        })
    }

    /// The path template that serves `path` (e.g. `/channels/{channel_id}/messages` for
    /// `/channels/123/messages`), if the spec has one. Literal segments win over parameters.
    pub fn template_for(&self, path: &str) -> Option<&str> {
        self.route_for(path).map(|route| route.template.as_str())
    }

    /// Checks a request body.
    ///
    /// `path` is the request path after the API base, e.g. `/channels/123/messages` (a leading
    /// `/api/v10` and a query string are tolerated and ignored); `method` is e.g. `POST`.
    /// Returns [`Checked::NoSchema`] when the spec has no operation or no JSON body schema for
    /// the route, and otherwise lists each violation as `"<instance JSON pointer>: <message>"`,
    /// with `(root)` for the empty pointer, at most about 20 of them.
    pub fn check(&self, method: &str, path: &str, body: &Value) -> Result<Checked, Vec<String>> {
        let Some(route) = self.route_for(path) else {
            return Ok(Checked::NoSchema);
        };
        let Some((_, schema)) = route
            .bodies
            .iter()
            .find(|(m, _)| m.eq_ignore_ascii_case(method))
        else {
            return Ok(Checked::NoSchema);
        };
        let validator = match schema
            .validator
            .get_or_init(|| self.compile(&schema.pointer))
        {
            Ok(validator) => validator,
            Err(err) => {
                return Err(vec![format!(
                    "(root): the spec's schema for {} {} cannot be compiled: {err}",
                    method.to_ascii_uppercase(),
                    route.template
                )]);
            }
        };
        if validator.is_valid(body) {
            return Ok(Checked::Valid);
        }
        Err(violations(validator, body))
    }

    /// Checks any value against one of the spec's named schemas (`components/schemas/<name>`),
    /// e.g. a response the fake builds against `ExternalScheduledEventResponse`. Compiled on
    /// each call: for tests, not for every request.
    pub fn check_schema(&self, name: &str, value: &Value) -> Result<(), Vec<String>> {
        let pointer = format!("/components/schemas/{}", escape_pointer(name));
        let validator = self.compile(&pointer).map_err(|err| vec![err])?;
        if validator.is_valid(value) {
            return Ok(());
        }
        Err(violations(&validator, value))
    }

    fn route_for(&self, path: &str) -> Option<&Route> {
        let path = normalize_path(path);
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        let candidates = self.by_len.get(&segments.len())?;
        best_route(
            candidates.iter().map(|&index| &self.routes[index]),
            &segments,
        )
    }

    fn compile(&self, pointer: &str) -> Result<Validator, String> {
        let reference = format!("{BASE_URI}#{}", encode_fragment(pointer));
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            .build(&json!({ "$ref": reference }))
            .map_err(|err| err.to_string())
    }
}

impl Route {
    fn new(template: &str, bodies: Vec<(String, Body)>) -> Route {
        let segments: Vec<Option<String>> = template
            .split('/')
            .skip(1)
            .map(|segment| {
                let is_param = segment.starts_with('{') && segment.ends_with('}');
                (!is_param).then(|| segment.to_owned())
            })
            .collect();
        let param_mask = segments
            .iter()
            .take(64)
            .enumerate()
            .filter(|(_, segment)| segment.is_none())
            .fold(0u64, |mask, (i, _)| mask | (1 << (63 - i)));
        Route {
            template: template.to_owned(),
            segments,
            param_mask,
            bodies,
        }
    }

    fn matches(&self, segments: &[&str]) -> bool {
        self.segments.len() == segments.len()
            && self
                .segments
                .iter()
                .zip(segments)
                .all(|(template, actual)| match template {
                    Some(literal) => literal == actual,
                    None => !actual.is_empty(),
                })
    }
}

impl Body {
    fn new(pointer: String) -> Body {
        Body {
            pointer,
            validator: OnceLock::new(),
        }
    }
}

/// Among the routes that match, the one whose first parameter comes latest
/// (`/users/@me` over `/users/{user_id}`).
fn best_route<'r>(routes: impl Iterator<Item = &'r Route>, segments: &[&str]) -> Option<&'r Route> {
    routes
        .filter(|route| route.matches(segments))
        .min_by_key(|route| route.param_mask)
}

/// Drops a query string or fragment, an `/api/v<N>` prefix and a trailing slash.
fn normalize_path(path: &str) -> &str {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path
        .strip_prefix("/api/v")
        .and_then(|rest| {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let tail = &rest[digits..];
            (digits > 0 && (tail.is_empty() || tail.starts_with('/'))).then_some(tail)
        })
        .unwrap_or(path);
    match path.strip_suffix('/') {
        Some(trimmed) if !trimmed.is_empty() => trimmed,
        _ => path,
    }
}

/// Follows document-local `$ref`s (`"#/..."`), returning the target and its pointer.
fn follow_ref<'v>(
    spec: &'v Value,
    mut pointer: String,
    mut node: &'v Value,
) -> Option<(String, &'v Value)> {
    for _ in 0..16 {
        let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
            return Some((pointer, node));
        };
        let target = reference.strip_prefix('#')?;
        node = spec.pointer(&decode_fragment(target))?;
        pointer = decode_fragment(target);
    }
    None
}

/// The pointer of `requestBody.content["application/json"].schema` of an operation.
fn json_body_schema(spec: &Value, op_pointer: &str, op: &Value) -> Option<String> {
    let body = op.get("requestBody")?;
    let (body_pointer, body) = follow_ref(spec, format!("{op_pointer}/requestBody"), body)?;
    let content = body.get("content")?.as_object()?;
    let (media_type, media) = content.iter().find(|(media_type, _)| {
        let essence = media_type.split(';').next().unwrap_or_default().trim();
        essence.eq_ignore_ascii_case("application/json")
    })?;
    media.get("schema")?;
    Some(format!(
        "{body_pointer}/content/{}/schema",
        escape_pointer(media_type)
    ))
}

/// Lets permission bit-set properties hold a string of digits as well (see the module docs).
fn widen_permission_fields(spec: &mut Value) {
    let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for schema in schemas.values_mut() {
        let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
            continue;
        };
        for name in PERMISSION_FIELDS {
            let Some(property) = properties.get_mut(name) else {
                continue;
            };
            let is_integer = match property.get("type") {
                Some(Value::String(kind)) => kind == "integer",
                Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == "integer"),
                _ => false,
            };
            if is_integer {
                let original = property.take();
                *property = json!({
                    "anyOf": [original, {"type": "string", "pattern": "^[0-9]{1,20}$"}]
                });
            }
        }
    }
}

/// An attachment being uploaded is referred to by its index in the upload, `"id": 0`, as
/// Discord's "Uploading Files" documentation shows and serenity sends; the spec only allows a
/// snowflake string there. Accept a small integer as well.
fn widen_attachment_ids(spec: &mut Value) {
    if let Some(id) = spec.pointer_mut("/components/schemas/MessageAttachmentRequest/properties/id")
    {
        let original = id.take();
        *id = json!({"anyOf": [original, {"type": "integer", "minimum": 0, "maximum": 9}]});
    }
}

/// Escapes one JSON pointer token.
fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Percent-encodes a JSON pointer for use as a URI fragment (`{`, `}` are not allowed there).
fn encode_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + 8);
    for byte in pointer.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Undoes percent-encoding in a URI fragment (invalid sequences are kept as they are).
fn decode_fragment(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Lists the violations of an invalid body, deduplicated and capped.
fn violations(validator: &Validator, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for error in validator.iter_errors(body) {
        describe(&error, &mut out);
        if out.len() > 4 * MAX_VIOLATIONS {
            break;
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|line| seen.insert(line.clone()));
    if out.is_empty() {
        out.push("(root): the body does not match the request schema".to_owned());
    }
    if out.len() > MAX_VIOLATIONS {
        let more = out.len() - MAX_VIOLATIONS;
        out.truncate(MAX_VIOLATIONS);
        out.push(format!("(root): ... and {more} more violation(s)"));
    }
    out
}

/// Appends the lines for one error. A failed `anyOf`/`oneOf` alone says little ("... is not
/// valid under any of the schemas"), so when the alternatives can be told apart, the
/// errors of the closest one are reported instead: an alternative is ruled out when it refuses
/// the value's JSON type, or a `const`/`enum` at the value or one level below (Discord's
/// unions are tagged by a `type` field, and nullable fields are `oneOf [null, X]`).
fn describe(error: &ValidationError<'_>, out: &mut Vec<String>) {
    let context = match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            Some(context)
        }
        _ => None,
    };
    let Some(context) = context else {
        out.push(line(error, message(error)));
        return;
    };
    let base = depth(error);
    let closest = context
        .iter()
        .filter(|branch| !branch.is_empty() && !branch.iter().any(|e| rules_out(e, base)))
        .min_by_key(|branch| branch.len());
    if let Some(branch) = closest {
        for nested in branch {
            describe(nested, out);
        }
        return;
    }
    // No alternative fits. When each is a `const` (Discord's enums are `oneOf` of `const`s
    // with titles), list the accepted values.
    let constants: Option<Vec<&Value>> = context
        .iter()
        .map(|branch| {
            branch.iter().find_map(|e| match e.kind() {
                ValidationErrorKind::Constant { expected_value } if depth(e) == base => {
                    Some(expected_value.as_ref())
                }
                _ => None,
            })
        })
        .collect();
    if let Some(constants) = constants.filter(|constants| !constants.is_empty()) {
        let mut text = format!("{} is not one of ", show(error.instance()));
        for (i, constant) in constants.iter().enumerate() {
            if i == 12 {
                text.push_str(", ...");
                break;
            }
            let separator = if i == 0 { "" } else { ", " };
            let _ = write!(text, "{separator}{constant}");
        }
        out.push(line(error, text));
        return;
    }
    // Otherwise name the tag they all refuse, when there is a single one.
    let mut text = message(error);
    let mut tags = context
        .iter()
        .flatten()
        .filter(|e| {
            matches!(
                e.kind(),
                ValidationErrorKind::Constant { .. } | ValidationErrorKind::Enum { .. }
            )
        })
        .filter(|e| depth(e) == base + 1)
        .map(|e| (e.instance_path().as_str(), e.instance().to_string()));
    if let Some(first) = tags.next()
        && tags.all(|other| other.0 == first.0)
    {
        let _ = write!(text, "; no alternative accepts {} at {}", first.1, first.0);
    }
    out.push(line(error, text));
}

fn rules_out(error: &ValidationError<'_>, base: usize) -> bool {
    let depth = depth(error);
    match error.kind() {
        ValidationErrorKind::Type { .. } => depth == base,
        ValidationErrorKind::Constant { .. } | ValidationErrorKind::Enum { .. } => {
            depth <= base + 1
        }
        _ => false,
    }
}

fn depth(error: &ValidationError<'_>) -> usize {
    error.instance_path().as_str().matches('/').count()
}

fn line(error: &ValidationError<'_>, message: String) -> String {
    let pointer = error.instance_path().as_str();
    let pointer = if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    };
    format!("{pointer}: {message}")
}

/// The error's message, with a long or structured instance replaced by a short stand-in.
fn message(error: &ValidationError<'_>) -> String {
    match placeholder(error.instance()) {
        Some(placeholder) => error.masked_with(placeholder).to_string(),
        None => error.to_string(),
    }
}

/// A short stand-in for an object, an array or a long string.
fn placeholder(value: &Value) -> Option<String> {
    match value {
        Value::Object(_) => Some("the object".to_owned()),
        Value::Array(items) => Some(format!("the array of {} item(s)", items.len())),
        Value::String(text) if text.chars().count() > 60 => {
            let head: String = text.chars().take(40).collect();
            Some(format!("{head:?}... ({} characters)", text.chars().count()))
        }
        _ => None,
    }
}

fn show(value: &Value) -> String {
    placeholder(value).unwrap_or_else(|| value.to_string())
}

/// The spec for this crate's own tests: `$SMALLACTS_DISCORD_OPENAPI`, else `shared/discord`
/// beside the workspace (found from this crate's source folder, which only test code may do).
/// `None` when there is none: tests using it then pass without it.
#[cfg(test)]
pub(crate) fn spec_path_for_tests() -> Option<PathBuf> {
    let beside_workspace =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/discord/openapi.json");
    match std::env::var_os(OpenApi::ENV_VAR).filter(|p| !p.is_empty()) {
        Some(named) => Some(PathBuf::from(named)),
        None => beside_workspace.is_file().then_some(beside_workspace),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real spec, loaded once; `None` (with a note) when it is not available.
    fn spec() -> Option<&'static OpenApi> {
        static SPEC: OnceLock<Option<OpenApi>> = OnceLock::new();
        let spec = SPEC.get_or_init(|| {
            let path = spec_path_for_tests()?;
            match OpenApi::load(&path) {
                Ok(spec) => Some(spec),
                Err(err) => panic!("the Discord OpenAPI spec cannot be loaded: {err}"),
            }
        });
        if spec.is_none() {
            eprintln!(
                "note: Discord's OpenAPI spec not found (set {}); skipping",
                OpenApi::ENV_VAR
            );
        }
        spec.as_ref()
    }

    #[test]
    fn a_named_file_is_used_and_a_missing_one_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("openapi.json");
        std::fs::write(&file, "{}").unwrap();
        assert_eq!(OpenApi::locate(Some(&file)).unwrap(), Some(file));
        let missing = dir.path().join("nowhere.json");
        let refused = OpenApi::locate(Some(&missing)).unwrap_err().to_string();
        assert!(
            refused.contains("no Discord OpenAPI spec at") && refused.contains("nowhere.json"),
            "{refused}"
        );
    }

    fn rejected(result: Result<Checked, Vec<String>>) -> Vec<String> {
        match result {
            Ok(checked) => panic!("expected a rejection, got {checked:?}"),
            Err(violations) => violations,
        }
    }

    fn route(template: &str) -> Route {
        Route::new(template, Vec::new())
    }

    #[test]
    fn literal_segments_beat_parameters() {
        let routes = [
            route("/users/{user_id}"),
            route("/users/@me"),
            route("/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
            route("/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
            route("/a/{x}/c"),
            route("/a/b/{y}"),
        ];
        let best = |path: &str| {
            let segments: Vec<&str> = normalize_path(path).split('/').skip(1).collect();
            best_route(routes.iter(), &segments).map(|route| route.template.as_str())
        };
        assert_eq!(best("/users/@me"), Some("/users/@me"));
        assert_eq!(best("/users/42"), Some("/users/{user_id}"));
        assert_eq!(
            best("/webhooks/1/tok/messages/@original"),
            Some("/webhooks/{webhook_id}/{webhook_token}/messages/@original")
        );
        assert_eq!(
            best("/webhooks/1/tok/messages/99"),
            Some("/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}")
        );
        // The earlier literal decides.
        assert_eq!(best("/a/b/c"), Some("/a/b/{y}"));
        assert_eq!(best("/a/z/c"), Some("/a/{x}/c"));
        assert_eq!(best("/users"), None);
        assert_eq!(best("/users//"), None);
        assert_eq!(
            best("/api/v10/users/@me?with_counts=true"),
            Some("/users/@me")
        );
        assert_eq!(best("/users/@me/"), Some("/users/@me"));
    }

    #[test]
    fn fragments_round_trip() {
        let pointer = "/paths/~1webhooks~1{webhook_id}~1@original/post";
        let encoded = encode_fragment(pointer);
        assert_eq!(
            encoded,
            "/paths/~1webhooks~1%7Bwebhook_id%7D~1@original/post"
        );
        assert_eq!(decode_fragment(&encoded), pointer);
        assert_eq!(decode_fragment("%zz%7"), "%zz%7");
    }

    #[test]
    fn rejects_documents_that_are_not_openapi_3_1() {
        assert!(matches!(
            OpenApi::from_value(json!({"swagger": "2.0", "paths": {}})),
            Err(OpenApiError::NotOpenApi(_))
        ));
        assert!(matches!(
            OpenApi::from_value(json!({"openapi": "3.0.3", "paths": {}})),
            Err(OpenApiError::NotOpenApi(_))
        ));
        assert!(matches!(
            OpenApi::from_value(json!({"openapi": "3.1.0"})),
            Err(OpenApiError::NotOpenApi(_))
        ));
    }

    #[test]
    fn a_small_document_resolves_refs_and_keeps_openapi_keywords_inert() {
        let api = OpenApi::from_value(json!({
            "openapi": "3.1.0",
            "paths": {
                "/things/{id}": {
                    "post": {"requestBody": {"$ref": "#/components/requestBodies/Thing"}},
                    "get": {}
                }
            },
            "components": {
                "requestBodies": {
                    "Thing": {"content": {"application/json; charset=utf-8": {
                        "schema": {"$ref": "#/components/schemas/Thing"}
                    }}}
                },
                "schemas": {
                    "Thing": {
                        "type": "object",
                        "discriminator": {"propertyName": "kind"},
                        "example": {"n": 1},
                        "x-internal": true,
                        "properties": {"n": {"type": "integer", "format": "int32"},
                                       "permissions": {"type": ["integer", "null"]}},
                        "required": ["n"]
                    }
                }
            }
        }))
        .expect("a valid document");
        assert_eq!(
            api.check("POST", "/things/1", &json!({"n": 1})),
            Ok(Checked::Valid)
        );
        assert_eq!(
            api.check("post", "/things/1", &json!({"n": 1, "permissions": "8"})),
            Ok(Checked::Valid)
        );
        let errors = rejected(api.check("POST", "/things/1", &json!({"n": "x"})));
        assert!(errors[0].starts_with("/n: "), "{errors:?}");
        let errors = rejected(api.check("POST", "/things/1", &json!({})));
        assert!(errors[0].starts_with("(root): "), "{errors:?}");
        assert_eq!(
            api.check("GET", "/things/1", &json!({})),
            Ok(Checked::NoSchema)
        );
        assert_eq!(
            api.check("POST", "/nothing", &json!({})),
            Ok(Checked::NoSchema)
        );
    }

    #[test]
    fn a_valid_message_is_valid() {
        let Some(api) = spec() else { return };
        let body = json!({"content": "hi", "allowed_mentions": {"parse": []}});
        assert_eq!(
            api.template_for("/channels/123/messages"),
            Some("/channels/{channel_id}/messages")
        );
        assert_eq!(
            api.check("POST", "/channels/123/messages", &body),
            Ok(Checked::Valid)
        );
        // What serenity's CreateMessage sends for a reply with an embed.
        let body = json!({
            "content": "Today's small act: say thanks to someone.",
            "tts": false,
            "embeds": [{
                "type": "rich", "title": "Small act", "description": "Thank a teammate",
                "color": 5793266, "timestamp": "2025-01-01T09:00:00+00:00",
                "fields": [{"name": "Why", "value": "Because", "inline": false}],
                "footer": {"text": "smallacts"}
            }],
            "allowed_mentions": {"parse": [], "replied_user": false},
            "message_reference": {"message_id": "1234567890", "channel_id": "123", "fail_if_not_exists": false},
            "components": [{"type": 1, "components": [
                {"type": 2, "style": 1, "label": "Done", "custom_id": "done:1"}
            ]}],
            "sticker_ids": [],
            "attachments": [],
            "enforce_nonce": false
        });
        assert_eq!(
            api.check("POST", "/channels/123/messages", &body),
            Ok(Checked::Valid)
        );
    }

    #[test]
    fn a_wrong_type_is_rejected_with_its_pointer() {
        let Some(api) = spec() else { return };
        let errors = rejected(api.check("POST", "/channels/123/messages", &json!({"content": 5})));
        assert!(
            errors.iter().any(|e| e.starts_with("/content: ")),
            "{errors:?}"
        );
        let errors = rejected(api.check(
            "POST",
            "/channels/123/messages",
            &json!({"content": "hi", "embeds": "x"}),
        ));
        assert!(
            errors.iter().any(|e| e.starts_with("/embeds: ")),
            "{errors:?}"
        );
        // A deep error inside a nullable (`oneOf [null, X]`) field is reported where it is.
        let errors = rejected(api.check(
            "POST",
            "/channels/123/messages",
            &json!({"embeds": [{"title": "t", "author": {"name": 7}}]}),
        ));
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("/embeds/0/author/name: ")),
            "{errors:?}"
        );
        let errors = rejected(api.check(
            "POST",
            "/channels/123/messages",
            &json!({"embeds": [{"title": "x".repeat(257)}]}),
        ));
        assert!(
            errors.iter().any(|e| e.starts_with("/embeds/0/title: ")),
            "{errors:?}"
        );
        // Enums (`oneOf` of `const`s) list what they accept.
        let errors = rejected(api.check(
            "POST",
            "/channels/123/messages",
            &json!({"allowed_mentions": {"parse": ["everyone", "bogus"]}}),
        ));
        assert!(
            errors.iter().any(|e| e
                .starts_with("/allowed_mentions/parse/1: \"bogus\" is not one of ")
                && e.contains("\"everyone\"")),
            "{errors:?}"
        );
    }

    #[test]
    fn interaction_callbacks_are_checked() {
        let Some(api) = spec() else { return };
        let path = "/interactions/111/tok-en_x/callback";
        assert_eq!(
            api.template_for(path),
            Some("/interactions/{interaction_id}/{interaction_token}/callback")
        );
        let reply = json!({"type": 4, "data": {"content": "x", "flags": 64}});
        assert_eq!(api.check("POST", path, &reply), Ok(Checked::Valid));
        assert_eq!(
            api.check("POST", path, &json!({"type": 5})),
            Ok(Checked::Valid)
        );
        let modal = json!({"type": 9, "data": {"custom_id": "m", "title": "Tell us", "components": [
            {"type": 1, "components": [
                {"type": 4, "custom_id": "what", "style": 2, "label": "What", "required": true}
            ]}
        ]}});
        assert_eq!(api.check("POST", path, &modal), Ok(Checked::Valid));
        let errors = rejected(api.check("POST", path, &json!({"type": "nope"})));
        assert!(!errors.is_empty());
        // The closest alternative's error is reported, not just "no alternative matched".
        let errors = rejected(api.check("POST", path, &json!({"type": 4, "data": {"content": 5}})));
        assert!(
            errors.iter().any(|e| e.starts_with("/data/content: ")),
            "{errors:?}"
        );
    }

    #[test]
    fn bulk_command_registration_is_valid() {
        let Some(api) = spec() else { return };
        // Shaped like serenity's CreateCommand / CreateCommandOption, as poise sends them.
        let option = |kind: u8, name: &str, required: bool, choices: Value| {
            json!({
                "type": kind, "name": name, "description": format!("The {name}"),
                "required": required, "choices": choices, "options": [], "channel_types": [],
                "min_value": null, "max_value": null, "min_length": null, "max_length": null,
                "autocomplete": false
            })
        };
        let commands = json!([
            {
                "name": "act", "name_localizations": {}, "description": "Get a small act",
                "description_localizations": {},
                "options": [option(3, "mood", false, json!([
                    {"name": "Calm", "value": "calm"}, {"name": "Bold", "value": "bold"}
                ]))],
                "default_member_permissions": null, "dm_permission": false, "nsfw": false
            },
            {
                "name": "settings", "name_localizations": {}, "description": "Configure",
                "description_localizations": {},
                "options": [{
                    "type": 1, "name": "channel", "description": "Set the channel",
                    "required": false, "choices": [], "channel_types": [], "autocomplete": false,
                    "options": [option(7, "where", true, json!([])), option(4, "hour", false, json!([
                        {"name": "Nine", "value": 9}
                    ]))]
                }],
                "default_member_permissions": "32", "dm_permission": false, "nsfw": false,
                "contexts": [0], "integration_types": [0]
            },
            {
                "name": "Thank", "name_localizations": {}, "description_localizations": {},
                "options": [], "type": 2, "nsfw": false, "default_member_permissions": "0"
            }
        ]);
        let path = "/applications/42/commands";
        assert_eq!(api.check("PUT", path, &commands), Ok(Checked::Valid));
        assert_eq!(api.check("PUT", path, &json!([])), Ok(Checked::Valid));
        let errors = rejected(api.check(
            "PUT",
            path,
            &json!([{"name": "x", "description": "d", "default_member_permissions": "lots"}]),
        ));
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with("/0/default_member_permissions: ")),
            "{errors:?}"
        );
        let errors = rejected(api.check("PUT", path, &json!([{"description": "no name"}])));
        assert!(errors.iter().any(|e| e.starts_with("/0: ")), "{errors:?}");
    }

    #[test]
    fn webhook_follow_ups_are_checked() {
        let Some(api) = spec() else { return };
        let original = "/webhooks/42/tok/messages/@original";
        assert_eq!(
            api.template_for(original),
            Some("/webhooks/{webhook_id}/{webhook_token}/messages/@original")
        );
        let edit = json!({"content": "edited", "embeds": [], "components": []});
        assert_eq!(api.check("PATCH", original, &edit), Ok(Checked::Valid));
        let errors = rejected(api.check("PATCH", original, &json!({"content": "x".repeat(2001)})));
        assert!(
            errors.iter().any(|e| e.starts_with("/content: ")),
            "{errors:?}"
        );

        let follow_up = "/webhooks/42/tok";
        assert_eq!(
            api.template_for(follow_up),
            Some("/webhooks/{webhook_id}/{webhook_token}")
        );
        let body = json!({"content": "follow-up", "flags": 64, "allowed_mentions": {"parse": []}});
        assert_eq!(api.check("POST", follow_up, &body), Ok(Checked::Valid));
        let errors = rejected(api.check("POST", follow_up, &json!({"embeds": {"title": "t"}})));
        assert!(
            errors.iter().any(|e| e.starts_with("/embeds: ")),
            "{errors:?}"
        );
        // Editing a follow-up by id also has a schema.
        assert_eq!(
            api.check("PATCH", "/webhooks/42/tok/messages/99", &edit),
            Ok(Checked::Valid)
        );
    }

    #[test]
    fn routes_without_a_json_body_have_no_schema() {
        let Some(api) = spec() else { return };
        let empty = json!({});
        assert_eq!(
            api.check("GET", "/channels/123/messages", &empty),
            Ok(Checked::NoSchema)
        );
        assert_eq!(
            api.check("DELETE", "/channels/1/messages/2", &empty),
            Ok(Checked::NoSchema)
        );
        assert_eq!(
            api.check(
                "PUT",
                "/channels/1/messages/2/reactions/%F0%9F%91%8D/@me",
                &empty
            ),
            Ok(Checked::NoSchema)
        );
        assert_eq!(
            api.check("POST", "/no/such/route", &empty),
            Ok(Checked::NoSchema)
        );
        assert_eq!(api.check("POST", "/", &empty), Ok(Checked::NoSchema));
        assert_eq!(api.template_for("/no/such/route"), None);
    }

    #[test]
    fn every_json_body_schema_in_the_spec_compiles() {
        let Some(api) = spec() else { return };
        let mut failures = Vec::new();
        let mut compiled = 0;
        for route in &api.routes {
            for (method, body) in &route.bodies {
                match body.validator.get_or_init(|| api.compile(&body.pointer)) {
                    Ok(_) => compiled += 1,
                    Err(err) => failures.push(format!("{method} {}: {err}", route.template)),
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
        assert!(compiled > 50, "only {compiled} JSON bodies found");
    }

    #[test]
    fn violations_are_capped() {
        let Some(api) = spec() else { return };
        let embeds: Vec<Value> = (0..40)
            .map(|_| json!({"title": 1, "description": 2}))
            .collect();
        let errors =
            rejected(api.check("POST", "/channels/1/messages", &json!({"embeds": embeds})));
        assert!(errors.len() <= MAX_VIOLATIONS + 1, "{}", errors.len());
        assert!(
            errors.last().is_some_and(|e| e.contains("more violation")),
            "{errors:?}"
        );
    }
}
