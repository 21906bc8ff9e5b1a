//! A TCP proxy between the bot and its database, to cut the database off in the ways
//! networks fail, while the bot runs:
//!
//! - [`DbMode::Pass`]: bytes flow both ways, as if the proxy weren't there;
//! - [`DbMode::Refuse`]: the port is closed, so new connections are refused, and every open
//!   connection is closed (a database that went down, or restarted);
//! - [`DbMode::BlackHole`]: new connections are accepted and what is sent is read, but nothing
//!   ever comes back, and open connections stop forwarding either way (a network partition, a
//!   firewall dropping packets, a server frozen solid). No error ever arrives: only a deadline
//!   notices.
//!
//! Switching back to `Pass` after a black hole closes the connections that were cut off (their
//! byte streams lost data, as a server that timed them out would have), so a pool that checks
//! its connections recovers with fresh ones.
//!
//! ```ignore
//! let proxy = DbProxy::in_front_of(&db.url).await;
//! let url = proxy.url(); // the same database, through the proxy
//! proxy.set(DbMode::BlackHole);
//! ...
//! proxy.set(DbMode::Pass);
//! ```
//!
//! Dropping the proxy closes its port and every connection through it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::watch;

/// How the proxy treats connections; switch with [`DbProxy::set`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbMode {
    Pass,
    Refuse,
    BlackHole,
}

pub struct DbProxy {
    addr: SocketAddr,
    upstream_url: String,
    mode: watch::Sender<DbMode>,
    accepted: Arc<AtomicUsize>,
}

impl DbProxy {
    /// A proxy on a free 127.0.0.1 port in front of the server in `url` (a PostgreSQL URL),
    /// passing traffic.
    pub async fn in_front_of(url: &str) -> DbProxy {
        let parsed = url::Url::parse(url).expect("a database URL");
        let host = parsed.host_str().expect("a host in the database URL");
        let port = parsed.port().unwrap_or(5432);
        let upstream = tokio::net::lookup_host((host, port))
            .await
            .expect("the database host resolves")
            .next()
            .expect("an address for the database host");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("the proxy's address");
        let (mode, watching) = watch::channel(DbMode::Pass);
        let accepted = Arc::new(AtomicUsize::new(0));
        tokio::spawn(serve(listener, addr, upstream, watching, accepted.clone()));
        DbProxy {
            addr,
            upstream_url: url.to_owned(),
            mode,
            accepted,
        }
    }

    /// The database URL given to [`DbProxy::in_front_of`], pointing at the proxy instead.
    pub fn url(&self) -> String {
        let mut url = url::Url::parse(&self.upstream_url).expect("a database URL");
        url.set_host(Some(&self.addr.ip().to_string()))
            .expect("an IP host");
        url.set_port(Some(self.addr.port())).expect("a port");
        url.to_string()
    }

    /// The proxy's own address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Switches mode; takes effect at once for new and open connections.
    pub fn set(&self, mode: DbMode) {
        self.mode.send_replace(mode);
    }

    pub fn mode(&self) -> DbMode {
        *self.mode.borrow()
    }

    /// How many connections the proxy has accepted so far.
    pub fn connections_accepted(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }
}

/// Accepts connections while not refusing; in `Refuse` the port is closed outright, so a
/// client gets "connection refused" rather than a connection that closes.
async fn serve(
    mut listener: TcpListener,
    addr: SocketAddr,
    upstream: SocketAddr,
    mut mode: watch::Receiver<DbMode>,
    accepted: Arc<AtomicUsize>,
) {
    loop {
        tokio::select! {
            incoming = listener.accept() => {
                let Ok((client, _)) = incoming else { continue };
                accepted.fetch_add(1, Ordering::Relaxed);
                tokio::spawn(relay(client, upstream, mode.clone()));
            }
            changed = mode.changed() => {
                if changed.is_err() {
                    return; // the proxy was dropped
                }
                if *mode.borrow_and_update() == DbMode::Refuse {
                    drop(listener);
                    loop {
                        if mode.changed().await.is_err() {
                            return;
                        }
                        if *mode.borrow_and_update() != DbMode::Refuse {
                            break;
                        }
                    }
                    listener = rebind(addr).await;
                }
            }
        }
    }
}

/// Listens on the same port again (it was ours a moment ago).
async fn rebind(addr: SocketAddr) -> TcpListener {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket.set_reuseaddr(true).expect("SO_REUSEADDR");
    socket.bind(addr).expect("the proxy's port again");
    socket.listen(128).expect("listening")
}

/// One client connection: forwarded while passing, swallowed while black-holed, closed when
/// refusing, and closed on the way back to passing if it was ever black-holed.
async fn relay(client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<DbMode>) {
    let _ = client.set_nodelay(true);
    let mut cut_off = *mode.borrow_and_update() == DbMode::BlackHole;
    let server = if cut_off {
        None
    } else {
        match TcpStream::connect(upstream).await {
            Ok(server) => {
                let _ = server.set_nodelay(true);
                Some(server)
            }
            Err(_) => return,
        }
    };
    let (mut from_client, mut to_client) = client.into_split();
    let (mut from_server, mut to_server) = match server {
        Some(server) => {
            let (read, write) = server.into_split();
            (Some(read), Some(write))
        }
        None => (None, None),
    };
    let mut up = vec![0u8; 16 * 1024];
    let mut down = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            read = from_client.read(&mut up) => {
                let n = match read { Ok(0) | Err(_) => return, Ok(n) => n };
                if !cut_off
                    && let Some(server) = to_server.as_mut()
                    && server.write_all(&up[..n]).await.is_err()
                {
                    return;
                }
            }
            read = read_if_any(from_server.as_mut(), &mut down), if !cut_off => {
                let n = match read { Ok(0) | Err(_) => return, Ok(n) => n };
                if to_client.write_all(&down[..n]).await.is_err() {
                    return;
                }
            }
            changed = mode.changed() => {
                if changed.is_err() {
                    return;
                }
                match *mode.borrow_and_update() {
                    DbMode::Refuse => return,
                    DbMode::BlackHole => cut_off = true,
                    DbMode::Pass if cut_off => return,
                    DbMode::Pass => {}
                }
            }
        }
    }
}

/// Reads from the server, or waits forever when there is none (a black-holed connection).
async fn read_if_any(
    from: Option<&mut tokio::net::tcp::OwnedReadHalf>,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    match from {
        Some(from) => from.read(buf).await,
        None => std::future::pending().await,
    }
}

#[tokio::test]
async fn the_proxy_passes_refuses_and_black_holes_on_demand() {
    use std::time::Duration;
    // An echo server stands in for the database.
    let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let echo_addr = echo.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = echo.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 || socket.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let proxy = DbProxy::in_front_of(&format!("postgres://u:secret@{echo_addr}/db")).await;
    assert!(
        proxy
            .url()
            .contains(&format!("@127.0.0.1:{}/db", proxy.addr().port()))
    );
    assert!(proxy.url().starts_with("postgres://u:secret@"));

    async fn round_trip(stream: &mut TcpStream) -> Option<Vec<u8>> {
        stream.write_all(b"ping").await.ok()?;
        let mut buf = [0u8; 4];
        match tokio::time::timeout(Duration::from_millis(300), stream.read_exact(&mut buf)).await {
            Ok(Ok(_)) => Some(buf.to_vec()),
            _ => None,
        }
    }

    let mut open = TcpStream::connect(proxy.addr()).await.unwrap();
    assert_eq!(round_trip(&mut open).await.as_deref(), Some(&b"ping"[..]));

    proxy.set(DbMode::BlackHole);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        round_trip(&mut open).await,
        None,
        "an open connection goes silent"
    );
    let mut fresh = TcpStream::connect(proxy.addr()).await.unwrap();
    assert_eq!(
        round_trip(&mut fresh).await,
        None,
        "a new one is accepted, then silent"
    );

    proxy.set(DbMode::Refuse);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let refused = TcpStream::connect(proxy.addr()).await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    let mut buf = [0u8; 1];
    assert!(
        matches!(fresh.read(&mut buf).await, Ok(0) | Err(_)),
        "open ones are closed"
    );

    proxy.set(DbMode::Pass);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut again = TcpStream::connect(proxy.addr()).await.unwrap();
    assert_eq!(round_trip(&mut again).await.as_deref(), Some(&b"ping"[..]));
    assert_eq!(proxy.mode(), DbMode::Pass);
    assert!(proxy.connections_accepted() >= 3);
}
