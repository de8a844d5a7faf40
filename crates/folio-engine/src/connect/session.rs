//! Every sign-in as one small state machine: the engine says what it needs next (a
//! [`Prompt`]), the front end answers (a [`Reply`]). The kinds of sign-in are reusable (a
//! browser approval with OAuth 2 and PKCE, WordPress's approval page, a pasted token or
//! password, an app's client credentials); which ones a service offers is its connector's
//! declaration, so no front end names a service.

use super::oauth::OauthSignIn;
use super::site_oauth::{SiteSignIn, SiteToken};
use super::{AppAnswers, Callback, Handed, WordPressConnect};
use crate::{Engine, EngineError, ErrorCode};
use folio_model::{ConnectorInfo, Field, FieldKind, Prompt, Reply, Role, SignInKind, SignInStep};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The sign-ins under way, by session.
#[derive(Default)]
pub(crate) struct SignIns {
    next: AtomicU32,
    pending: Mutex<HashMap<u32, Pending>>,
    /// A `Wait` under way, to stop on cancel.
    waits: Mutex<HashMap<u32, Arc<Notify>>>,
    /// Sessions whose wait was stopped (cancelled, or a password pasted instead): the wait
    /// itself then watches for a late approval, so none is missed between the two calls.
    stopped: Mutex<HashSet<u32>>,
    /// WordPress sign-ins that take a pasted password instead of the approval's answer.
    pastes: Mutex<HashMap<u32, PasteTarget>>,
    /// Where `folio://connect` answers go.
    pub(crate) answers: AppAnswers,
}

/// What was asked for, growing as the person answers.
#[derive(Clone)]
struct Request {
    info: ConnectorInfo,
    /// An account signing in again, or the name a new one is given.
    name: Option<String>,
    reconnect: bool,
    given: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    /// The person said yes to sending a password over plain http.
    allow_http: bool,
    callback: Callback,
}

/// Where a password pasted from WordPress's page goes.
#[derive(Clone)]
struct PasteTarget {
    site_url: String,
    name: String,
    user: Option<String>,
}

enum Pending {
    Fields(Request),
    Confirm(Request),
    Oauth(OauthSignIn),
    WordPress(Request, WordPressConnect),
    /// A destination's browser sign-in.
    SiteOauth(Request, SiteSignIn),
    /// Signed in; the person picks which of the account's sites (the token kept in memory).
    SitePick(Request, SiteToken),
}

impl SignIns {
    fn put(&self, session: u32, pending: Pending) {
        self.pending.lock().expect("sign-ins").insert(session, pending);
    }

    /// Stops a wait under way, if there is one.
    fn stop(&self, session: u32) -> bool {
        let Some(wait) = self.waits.lock().expect("waits").remove(&session) else { return false };
        self.stopped.lock().expect("stopped").insert(session);
        // A permit, in case the wait has not started listening yet.
        wait.notify_one();
        true
    }

    fn take(&self, session: u32) -> Result<Pending, EngineError> {
        self.pending.lock().expect("sign-ins").remove(&session).ok_or_else(|| {
            EngineError::new(
                ErrorCode::NotFound,
                "that sign-in is no longer under way; start again",
            )
        })
    }
}

fn step(session: u32, prompt: Prompt) -> SignInStep {
    SignInStep { session, prompt }
}

fn cancelled() -> EngineError {
    EngineError::new(ErrorCode::Cancelled, "the sign-in was stopped; nothing was saved")
}

/// Splits what a front end sent into the connector's fields and its secrets.
fn split(
    info: &ConnectorInfo,
    values: BTreeMap<String, String>,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    values
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .partition(|(name, _)| info.field(name).is_none_or(|f| f.kind != FieldKind::Secret))
}

impl Engine {
    /// Starts signing in a new account of `connector` with what the person gave so far
    /// (fields and secrets by name). `callback` is where WordPress's approval may answer: the
    /// CLI listens on 127.0.0.1, the app also takes `folio://connect`.
    pub async fn connect_start(
        &self,
        connector: &str,
        name: Option<&str>,
        values: BTreeMap<String, String>,
        callback: Callback,
    ) -> Result<SignInStep, EngineError> {
        let info = self.connector_info(connector)?;
        if info.sign_in.is_empty() {
            return Err(EngineError::new(
                ErrorCode::Unsupported,
                format!("{} needs no signing in; add it as an album", info.label),
            ));
        }
        let name = name.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
        if let Some(n) = &name {
            if self.state.store.account_by_name(n).await?.is_some() {
                return Err(EngineError::config(format!(
                    "an account named '{n}' exists: choose another name, or reconnect it"
                )));
            }
        }
        let (given, secrets) = split(&info, values);
        let request =
            Request { info, name, reconnect: false, given, secrets, allow_http: false, callback };
        let session = self.sign_ins.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.advance(session, request).await
    }

    /// Signs an account in again (its credentials were revoked or expired), the way its
    /// connector signs in; the account keeps its albums and sites.
    pub async fn reconnect_start(
        &self,
        account: &str,
        values: BTreeMap<String, String>,
        callback: Callback,
    ) -> Result<SignInStep, EngineError> {
        let a = self.account_named(account).await?;
        let info = self.connector_info(&a.connector)?;
        let (mut given, secrets) = split(&info, values);
        let stored: BTreeMap<String, String> = serde_json::from_str(&a.config).unwrap_or_default();
        for (k, v) in stored {
            given.entry(k).or_insert(v);
        }
        if let Some(site) = &a.site {
            let site = self.state.store.site(*site).await?;
            if let Some(site) = site {
                for field in ["url", "store"].into_iter().filter(|f| info.field(f).is_some()) {
                    given.entry(field.to_string()).or_insert(site.url.clone());
                }
            }
        }
        let request = Request {
            info,
            name: Some(a.name),
            reconnect: true,
            given,
            secrets,
            allow_http: false,
            callback,
        };
        let session = self.sign_ins.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.advance(session, request).await
    }

    /// The person's answer to the session's last prompt. A `Wait` returns when the service
    /// has answered in the browser, the sign-in timed out, or it was cancelled.
    pub async fn connect_continue(
        &self,
        session: u32,
        reply: Reply,
    ) -> Result<SignInStep, EngineError> {
        if let Reply::Fields { values } = &reply {
            let target = self.sign_ins.pastes.lock().expect("pastes").remove(&session);
            if let Some(target) = target {
                return self.wordpress_pasted(session, target, values.clone()).await;
            }
        }
        let pending = self.sign_ins.take(session)?;
        match (pending, reply) {
            (_, Reply::No) => {
                self.connect_cancel(session).await;
                Err(cancelled())
            }
            (Pending::Fields(mut r), Reply::Fields { values }) => {
                let (given, secrets) = split(&r.info, values);
                r.given.extend(given);
                r.secrets.extend(secrets);
                self.advance(session, r).await
            }
            (Pending::Confirm(mut r), Reply::Yes) => {
                r.allow_http = true;
                self.advance(session, r).await
            }
            (Pending::Oauth(s), Reply::Wait) => {
                let cancel = self.waiting(session);
                let done = tokio::select! {
                    done = self.oauth_finish(s) => done,
                    () = cancel.notified() => Err(cancelled()),
                };
                self.sign_ins.waits.lock().expect("waits").remove(&session);
                self.sign_ins.stopped.lock().expect("stopped").remove(&session);
                Ok(step(session, Prompt::Done { account: done? }))
            }
            (Pending::WordPress(r, c), Reply::Wait) => self.wordpress_wait(session, r, c).await,
            (Pending::SiteOauth(r, s), Reply::Wait) => {
                let cancel = self.waiting(session);
                let token = tokio::select! {
                    token = self.site_oauth_finish(&r.info, s) => token,
                    () = cancel.notified() => Err(cancelled()),
                };
                self.sign_ins.waits.lock().expect("waits").remove(&session);
                self.sign_ins.stopped.lock().expect("stopped").remove(&session);
                self.site_signed_in(session, r, token?).await
            }
            (Pending::SitePick(mut r, token), Reply::Fields { values }) => {
                r.given.extend(values.into_iter().filter(|(_, v)| !v.trim().is_empty()));
                self.site_signed_in(session, r, token).await
            }
            (pending, _) => {
                let again = self.prompt_of(&pending);
                self.sign_ins.put(session, pending);
                Err(EngineError::config(format!("this sign-in is waiting for: {again}")))
            }
        }
    }

    /// Stops a sign-in. A WordPress approval given up on is watched a little longer, so that
    /// a password approved just then is removed from the site again; what happened to it, if
    /// anything.
    pub async fn connect_cancel(&self, session: u32) -> Option<String> {
        self.sign_ins.pastes.lock().expect("pastes").remove(&session);
        self.sign_ins.stop(session);
        match self.sign_ins.take(session).ok()? {
            Pending::WordPress(_, c) => {
                let stop = std::future::pending::<()>();
                self.wordpress_connect_abandon(c, super::LATE_GRACE, stop).await
            }
            _ => None,
        }
    }

    /// A `folio://connect` address the OS handed to the app: to the sign-in it answers; an
    /// approval for one given up has its password removed. What happened, if it was late.
    pub async fn connect_app_answer(&self, url: &str) -> Option<String> {
        match self.sign_ins.answers.hand_in(url) {
            Handed::Late(late) => Some(self.wordpress_connect_late(late).await),
            _ => None,
        }
    }

    pub(crate) fn connector_info(&self, id: &str) -> Result<ConnectorInfo, EngineError> {
        self.connectors().into_iter().find(|c| c.id == id).ok_or_else(|| {
            EngineError::new(
                ErrorCode::NotFound,
                format!("no connector named '{id}' (folio connectors)"),
            )
        })
    }

    fn waiting(&self, session: u32) -> Arc<Notify> {
        let notify = Arc::new(Notify::new());
        self.sign_ins.waits.lock().expect("waits").insert(session, notify.clone());
        notify
    }

    /// Decides the next step from what is known: fields still missing, a pasted credential to
    /// check, a browser approval, or a question.
    async fn advance(&self, session: u32, r: Request) -> Result<SignInStep, EngineError> {
        if let Err(problem) = r.info.config(&r.given) {
            return Ok(self.ask(session, r, Some(problem)));
        }
        let kinds = r.info.sign_in.clone();
        let pastes =
            kinds.iter().any(|k| matches!(k, SignInKind::Paste | SignInKind::ClientCredentials));
        if pastes && !r.secrets.is_empty() {
            let account = self.connect_pasted(&r).await?;
            return Ok(step(session, Prompt::Done { account }));
        }
        let destination_only = r.info.has_role(Role::Destination) && !r.info.has_role(Role::Source);
        // A destination that also takes a pasted token (HubSpot) signs in through the browser
        // only when a relay is given; else its fields are asked for.
        let relayed = r.given.get("relay_url").is_some_and(|u| !u.trim().is_empty());
        if kinds.contains(&SignInKind::OauthPkce) && destination_only && (relayed || !pastes) {
            let s = self.site_oauth_start(&r.info, &r.given).await?;
            let prompt = Prompt::Browser {
                url: s.url.clone(),
                paste_url: None,
                paste: Vec::new(),
                says: format!(
                    "Sign in to {} and allow Folio to publish to your site.",
                    r.info.label
                ),
            };
            self.sign_ins.put(session, Pending::SiteOauth(r, s));
            return Ok(step(session, prompt));
        }
        if kinds.contains(&SignInKind::OauthPkce) && !destination_only {
            let s = self.oauth_start(&r.info, r.name.as_deref(), &r.given, r.reconnect).await?;
            let prompt = Prompt::Browser {
                url: s.url.clone(),
                paste_url: None,
                paste: Vec::new(),
                says: format!("Sign in to {} and allow Folio to read your photos.", r.info.label),
            };
            self.sign_ins.put(session, Pending::Oauth(s));
            return Ok(step(session, prompt));
        }
        if kinds.contains(&SignInKind::WordpressApproval) {
            return self.wordpress_start(session, r).await;
        }
        Ok(self.ask(session, r, None))
    }

    /// Asks for the connector's fields, keeping the session.
    fn ask(&self, session: u32, r: Request, problem: Option<String>) -> SignInStep {
        let prompt =
            Prompt::Fields { fields: r.info.fields.clone(), values: r.given.clone(), problem };
        self.sign_ins.put(session, Pending::Fields(r));
        step(session, prompt)
    }

    fn prompt_of(&self, pending: &Pending) -> String {
        match pending {
            Pending::Fields(_) => "its fields".into(),
            Pending::Confirm(_) => "a yes or a no".into(),
            Pending::Oauth(_) | Pending::WordPress(..) | Pending::SiteOauth(..) => {
                "the browser (reply Wait)".into()
            }
            Pending::SitePick(..) => "the site to publish to".into(),
        }
    }

    /// A pasted token, key or password (or an app's client id and secret): checked with the
    /// service, then kept.
    async fn connect_pasted(&self, r: &Request) -> Result<String, EngineError> {
        if r.info.has_role(Role::Source) {
            return self
                .source_pasted(&r.info, r.name.as_deref(), &r.given, &r.secrets, r.reconnect)
                .await;
        }
        if r.reconnect {
            let name = r.name.as_deref().unwrap_or_default();
            // The site keeps its address and account; only its one secret changes.
            let secret = r.secrets.values().find(|s| !s.trim().is_empty());
            let secret = secret.map(|s| s.trim().to_string()).unwrap_or_default();
            return Ok(self.reconnect_site(name, &secret).await?.name);
        }
        let site =
            self.connect_destination(&r.info.id, r.name.as_deref(), &r.given, &r.secrets).await?;
        Ok(site.name)
    }

    /// A destination signed in: its site picked if the account reaches several, then kept
    /// (or, signing in again, its new token kept).
    async fn site_signed_in(
        &self,
        session: u32,
        mut r: Request,
        signed_in: SiteToken,
    ) -> Result<SignInStep, EngineError> {
        let name = r.name.clone();
        if r.reconnect {
            let name = name.as_deref().unwrap_or_default();
            let site = self.reconnect_site(name, signed_in.secret()).await?;
            return Ok(step(session, Prompt::Done { account: site.name }));
        }
        if let Some(choice) = self.site_to_pick(&r.info, &mut r.given, &signed_in).await? {
            let prompt =
                Prompt::Fields { fields: vec![choice], values: BTreeMap::new(), problem: None };
            self.sign_ins.put(session, Pending::SitePick(r, signed_in));
            return Ok(step(session, prompt));
        }
        let secrets = signed_in.secrets();
        let site =
            self.connect_destination(&r.info.id, name.as_deref(), &r.given, &secrets).await?;
        Ok(step(session, Prompt::Done { account: site.name }))
    }

    async fn wordpress_start(&self, session: u32, r: Request) -> Result<SignInStep, EngineError> {
        let address = r.given.get("url").cloned().unwrap_or_default();
        let name = r.name.as_deref();
        let started = self.wordpress_connect_start(&address, r.allow_http, r.callback, name).await;
        let mut c = match started {
            Ok(c) => c,
            Err(e) if e.code == ErrorCode::Insecure && !r.allow_http => {
                let says = format!("{}. Connect anyway?", e.message);
                self.sign_ins.put(session, Pending::Confirm(r));
                return Ok(step(session, Prompt::Confirm { says }));
            }
            Err(e) => return Err(e),
        };
        self.sign_ins.answers.expect(&mut c);
        let paste: Vec<Field> = r
            .info
            .fields
            .iter()
            .filter(|f| f.name == "user" || f.kind == FieldKind::Secret)
            .cloned()
            .collect();
        let prompt = Prompt::Browser {
            url: c.url.clone(),
            paste_url: Some(c.paste_url.clone()),
            paste,
            says: format!(
                "Log in to {} if asked, then press \"Yes, I approve of this connection\".",
                c.site.site_url
            ),
        };
        let target = PasteTarget {
            site_url: c.site.site_url.clone(),
            name: c.name.clone(),
            user: r.given.get("user").cloned(),
        };
        self.sign_ins.pastes.lock().expect("pastes").insert(session, target);
        self.sign_ins.put(session, Pending::WordPress(r, c));
        Ok(step(session, prompt))
    }

    async fn wordpress_wait(
        &self,
        session: u32,
        r: Request,
        mut c: WordPressConnect,
    ) -> Result<SignInStep, EngineError> {
        let cancel = self.waiting(session);
        let stopped = async move { cancel.notified().await };
        let done = self.wordpress_connect_wait(&mut c, super::CONNECT_TIMEOUT, stopped).await;
        self.sign_ins.waits.lock().expect("waits").remove(&session);
        let was_stopped = self.sign_ins.stopped.lock().expect("stopped").remove(&session);
        match done {
            Ok(site) => {
                self.sign_ins.pastes.lock().expect("pastes").remove(&session);
                Ok(step(session, Prompt::Done { account: site.name }))
            }
            Err(e) if was_stopped => {
                if c.is_waiting() {
                    let stop = std::future::pending::<()>();
                    self.wordpress_connect_abandon(c, super::LATE_GRACE, stop).await;
                }
                Err(EngineError::new(ErrorCode::Cancelled, e.message))
            }
            Err(e) => {
                // Kept for `connect_cancel`, which removes a late approval's password.
                if c.is_waiting() {
                    self.sign_ins.put(session, Pending::WordPress(r, c));
                }
                Err(e)
            }
        }
    }

    /// A password pasted from WordPress's approval page: checked and kept; the approval under
    /// way no longer counts.
    async fn wordpress_pasted(
        &self,
        session: u32,
        target: PasteTarget,
        values: BTreeMap<String, String>,
    ) -> Result<SignInStep, EngineError> {
        if !self.sign_ins.stop(session) {
            // Not waiting: its listener just closes.
            let _ = self.sign_ins.take(session);
        }
        let user = values.get("user").or(target.user.as_ref()).cloned().unwrap_or_default();
        let password = values.get("password").cloned().unwrap_or_default();
        let saved = self.wordpress_connect_paste(&target.site_url, &target.name, &user, &password);
        match saved.await {
            Ok(site) => Ok(step(session, Prompt::Done { account: site.name })),
            Err(e) => {
                // Refused: the person may paste again.
                self.sign_ins.pastes.lock().expect("pastes").insert(session, target);
                Err(e)
            }
        }
    }
}
