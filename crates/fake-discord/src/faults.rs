//! Faults a test can ask the fake Discord for, the way they happen on the real one: windows of
//! 5xx answers (a 502 with an HTML body, as an edge proxy sends it), "ghost" creates whose
//! message is made but whose answer is lost, and 429s with a chosen `retry_after`. Each fault is
//! used up by the requests it matches, oldest first.

use serde_json::json;

/// Which requests a fault applies to: a method and a path (after `/api/v10`, e.g.
/// `/channels/123/messages`), exact or as a prefix, either of which may be left open.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestFilter {
    pub method: Option<String>,
    pub path: Option<String>,
    /// Whether `path` is a prefix (else the whole path).
    pub prefix: bool,
}

impl RequestFilter {
    /// Every request.
    pub fn any() -> RequestFilter {
        RequestFilter::default()
    }

    /// Requests with this method whose path starts with `path_prefix`.
    pub fn new(method: &str, path_prefix: &str) -> RequestFilter {
        RequestFilter {
            method: Some(method.to_uppercase()),
            path: Some(path_prefix.to_owned()),
            prefix: true,
        }
    }

    /// Requests with exactly this method and path.
    pub fn exactly(method: &str, path: &str) -> RequestFilter {
        RequestFilter {
            prefix: false,
            ..RequestFilter::new(method, path)
        }
    }

    /// `POST /channels/{channel_id}/messages`: creating a message in that channel (not a
    /// thread from one).
    pub fn create_message(channel_id: u64) -> RequestFilter {
        RequestFilter::exactly("POST", &format!("/channels/{channel_id}/messages"))
    }

    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| {
                if self.prefix {
                    path.starts_with(p)
                } else {
                    path == p
                }
            })
    }
}

/// How a ghost create's answer is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostAnswer {
    /// The message is made, but the answer is this 5xx (500, 502 or 503).
    Status(u16),
    /// The message is made, and the connection is closed before any answer.
    DropConnection,
}

#[derive(Debug, Clone)]
struct Window {
    filter: RequestFilter,
    status: u16,
    remaining: u32,
}

#[derive(Debug, Clone)]
struct Ghost {
    filter: RequestFilter,
    lost: LostAnswer,
    remaining: u32,
}

#[derive(Debug, Clone)]
struct Forced {
    filter: RequestFilter,
    retry_after: f64,
    global: bool,
}

/// The faults waiting to happen.
#[derive(Default)]
pub(crate) struct Faults {
    windows: Vec<Window>,
    ghosts: Vec<Ghost>,
    forced: Vec<Forced>,
    /// The gateway connections that no longer get HEARTBEAT_ACKs.
    pub silent_connections: std::collections::HashSet<u64>,
}

impl Faults {
    pub fn add_window(&mut self, count: u32, status: u16, filter: RequestFilter) {
        self.windows.push(Window {
            filter,
            status,
            remaining: count,
        });
    }

    pub fn add_ghost(&mut self, count: u32, lost: LostAnswer, filter: RequestFilter) {
        self.ghosts.push(Ghost {
            filter,
            lost,
            remaining: count,
        });
    }

    pub fn add_forced(&mut self, retry_after: f64, global: bool, filter: RequestFilter) {
        self.forced.push(Forced {
            filter,
            retry_after,
            global,
        });
    }

    /// The 5xx status this request meets, if a window matches it.
    pub fn take_window(&mut self, method: &str, path: &str) -> Option<u16> {
        let window = self
            .windows
            .iter_mut()
            .find(|w| w.remaining > 0 && w.filter.matches(method, path))?;
        window.remaining -= 1;
        let status = window.status;
        self.windows.retain(|w| w.remaining > 0);
        Some(status)
    }

    /// How this (message-creating) request's answer is lost, if a ghost matches it.
    pub fn take_ghost(&mut self, method: &str, path: &str) -> Option<LostAnswer> {
        let ghost = self
            .ghosts
            .iter_mut()
            .find(|g| g.remaining > 0 && g.filter.matches(method, path))?;
        ghost.remaining -= 1;
        let lost = ghost.lost;
        self.ghosts.retain(|g| g.remaining > 0);
        Some(lost)
    }

    /// The forced 429 (retry_after, global) this request meets, if one matches it.
    pub fn take_forced(&mut self, method: &str, path: &str) -> Option<(f64, bool)> {
        let at = self
            .forced
            .iter()
            .position(|f| f.filter.matches(method, path))?;
        let forced = self.forced.remove(at);
        Some((forced.retry_after, forced.global))
    }

    /// Faults not yet used up.
    pub fn pending(&self) -> usize {
        self.windows
            .iter()
            .map(|w| w.remaining as usize)
            .sum::<usize>()
            + self
                .ghosts
                .iter()
                .map(|g| g.remaining as usize)
                .sum::<usize>()
            + self.forced.len()
    }
}

/// A 5xx answer as Discord's side sends it: JSON from the API for 500 and 503, an HTML page
/// from the edge proxy for 502. Returns (content type, body).
pub fn server_error_body(status: u16) -> (&'static str, String) {
    match status {
        502 => (
            "text/html",
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
             <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n\
             </body>\r\n</html>\r\n"
                .to_owned(),
        ),
        503 => (
            "application/json",
            json!({"message": "503: Service Unavailable", "code": 0}).to_string(),
        ),
        other => (
            "application/json",
            json!({"message": format!("{other}: Internal Server Error"), "code": 0}).to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_used_up_by_matching_requests_only() {
        let mut faults = Faults::default();
        faults.add_window(2, 502, RequestFilter::create_message(7));
        assert_eq!(faults.take_window("GET", "/channels/7/messages"), None);
        assert_eq!(
            faults.take_window("POST", "/channels/7/messages/1/threads"),
            None
        );
        assert_eq!(faults.take_window("POST", "/channels/8/messages"), None);
        assert_eq!(
            faults.take_window("POST", "/channels/7/messages"),
            Some(502)
        );
        assert_eq!(
            faults.take_window("post", "/channels/7/messages"),
            Some(502)
        );
        assert_eq!(faults.take_window("POST", "/channels/7/messages"), None);
        faults.add_forced(1.5, false, RequestFilter::any());
        assert_eq!(faults.pending(), 1);
        assert_eq!(faults.take_forced("GET", "/gateway"), Some((1.5, false)));
        assert_eq!(faults.pending(), 0);
        let (kind, body) = server_error_body(502);
        assert_eq!(kind, "text/html");
        assert!(body.starts_with("<html>"));
        assert!(serde_json::from_str::<serde_json::Value>(&server_error_body(500).1).is_ok());
    }
}
