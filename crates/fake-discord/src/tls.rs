//! The fake Discord as `discord.com` over HTTPS, so the bot can run its production HTTP path
//! (serenity's own rate limiter on, no proxy) against it: a certificate authority made for this
//! run only, a certificate for `discord.com` signed by it, and a TLS listener on 127.0.0.1 that
//! serves the same REST routes as the plain one. The bot trusts the authority through
//! `discord.extra_root_ca` and finds the listener through `discord.resolve`; nothing else on the
//! machine trusts it, and its key never leaves memory.

use std::sync::Arc;

use anyhow::Context as _;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The host name the certificate is for: where serenity sends every REST request.
pub const DISCORD_HOST: &str = "discord.com";

/// How a request reached the fake: put in each request's extensions by the TLS listener.
#[derive(Debug, Clone)]
pub(crate) struct TlsConnection {
    /// The server name the client asked for in its TLS hello (SNI).
    pub server_name: Option<String>,
}

/// A certificate authority for the run and the `discord.com` certificate it signed.
pub(crate) struct Authority {
    /// The authority's certificate, PEM: what the bot is told to trust.
    pub ca_pem: String,
    acceptor: TlsAcceptor,
}

impl Authority {
    pub fn generate() -> anyhow::Result<Authority> {
        let ca_key = KeyPair::generate().context("a key for the test authority")?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "smallacts fake Discord, this run only");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::from_params(&ca_params, &ca_key);

        let leaf_key = KeyPair::generate().context("a key for discord.com")?;
        let mut leaf_params = CertificateParams::new(vec![DISCORD_HOST.to_owned()])?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, DISCORD_HOST);
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let leaf = leaf_params.signed_by(&leaf_key, &issuer)?;

        let chain: Vec<CertificateDer<'static>> = vec![leaf.der().clone(), ca_cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        // ring explicitly: the process may link more than one rustls provider.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Authority {
            ca_pem: ca_cert.pem(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// Serves `app` over TLS on `listener` until the task is aborted. Each connection's requests
/// carry the [`TlsConnection`] it arrived on.
pub(crate) async fn serve(listener: TcpListener, authority: &Authority, app: axum::Router) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let acceptor = authority.acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let connection = TlsConnection {
                server_name: tls.get_ref().1.server_name().map(str::to_owned),
            };
            let service = TowerToHyperService::new(app.layer(axum::Extension(connection)));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .with_upgrades()
                .await;
        });
    }
}
