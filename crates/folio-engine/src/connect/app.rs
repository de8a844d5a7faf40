//! WordPress's answers that come back through the app's own address, `folio://connect?…`: the
//! OS hands any such address to the app, whoever made it (a page, a stale tab, a forged link).
//! Like the loopback, only an answer with the state of the connect waiting for it counts;
//! anything else is ignored and the connect keeps waiting. An approval for a connect Folio
//! gave up (cancelled, timed out, replaced) is remembered for a while, so that its password can
//! be removed from the site rather than left there unused.

use super::WordPressConnect;
use folio_auth::loopback::same;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

type Params = BTreeMap<String, String>;

/// How long an abandoned connect's state is remembered: the approval page can sit in a tab.
const REMEMBERED_FOR: Duration = Duration::from_secs(24 * 3600);
/// And how many: enough for any person's clicking, bounded against a loop.
const REMEMBERED: usize = 32;

/// The query of a `folio://connect?…` address the OS handed to the app.
pub fn app_callback_params(url: &str) -> Option<Params> {
    let u = url::Url::parse(url).ok()?;
    (u.scheme() == "folio" && u.host_str() == Some("connect"))
        .then(|| u.query_pairs().into_owned().collect())
}

/// The app's connects under way and recently abandoned, by state. Cheap to clone; clones
/// share.
#[derive(Clone, Default)]
pub struct AppAnswers {
    routes: Arc<Mutex<Routes>>,
}

#[derive(Default)]
struct Routes {
    waiting: Vec<(String, oneshot::Sender<Params>)>,
    abandoned: VecDeque<Abandoned>,
}

struct Abandoned {
    state: String,
    site_url: String,
    app_name: String,
    at: Instant,
}

/// What became of an address handed in.
#[derive(Debug)]
pub enum Handed {
    /// The answer went to the connect waiting for it.
    Delivered,
    /// For a connect Folio gave up: `Engine::wordpress_connect_late` removes its password.
    Late(LateAnswer),
    /// Not an answer to any connect of Folio's (wrong, missing or spent state; not
    /// `folio://connect`): nothing happens.
    Ignored,
}

/// An approval that came after its connect was abandoned.
pub struct LateAnswer {
    pub(crate) site_url: String,
    pub(crate) app_name: String,
    pub(crate) params: Params,
}

impl std::fmt::Debug for LateAnswer {
    // The params hold the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LateAnswer").field("site_url", &self.site_url).finish_non_exhaustive()
    }
}

/// A connect's end of the route: its answer arrives here. Dropped before the answer came, it
/// leaves the state remembered as abandoned.
pub(crate) struct Inbox {
    pub(crate) answer: oneshot::Receiver<Params>,
    answers: AppAnswers,
    state: String,
    site_url: String,
    app_name: String,
}

impl Drop for Inbox {
    fn drop(&mut self) {
        let mut routes = self.answers.routes.lock().unwrap_or_else(|p| p.into_inner());
        let before = routes.waiting.len();
        routes.waiting.retain(|(s, _)| s != &self.state);
        if routes.waiting.len() < before {
            routes.remember(Abandoned {
                state: self.state.clone(),
                site_url: self.site_url.clone(),
                app_name: self.app_name.clone(),
                at: Instant::now(),
            });
        }
    }
}

impl Routes {
    fn remember(&mut self, abandoned: Abandoned) {
        self.abandoned.retain(|a| a.at.elapsed() < REMEMBERED_FOR);
        if self.abandoned.len() == REMEMBERED {
            self.abandoned.pop_front();
        }
        self.abandoned.push_back(abandoned);
    }
}

impl AppAnswers {
    /// From now on, `folio://connect` answers with `c`'s state go to `c` (for
    /// `Engine::wordpress_connect_wait`). Nothing for a connect that does not answer through
    /// the app.
    pub fn expect(&self, c: &mut WordPressConnect) {
        if c.callback != super::Callback::App || c.inbox.is_some() {
            return;
        }
        let (tx, rx) = oneshot::channel();
        self.routes.lock().unwrap_or_else(|p| p.into_inner()).waiting.push((c.state.clone(), tx));
        c.inbox = Some(Inbox {
            answer: rx,
            answers: self.clone(),
            state: c.state.clone(),
            site_url: c.site.site_url.clone(),
            app_name: c.app_name.clone(),
        });
    }

    /// A `folio://…` address from the OS: to the connect it answers, or nowhere.
    pub fn hand_in(&self, url: &str) -> Handed {
        let Some(params) = app_callback_params(url) else { return Handed::Ignored };
        let Some(state) = params.get("state").cloned() else { return Handed::Ignored };
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = routes.waiting.iter().position(|(s, _)| same(s, &state)) {
            let (_, tx) = routes.waiting.remove(at);
            return match tx.send(params) {
                Ok(()) => Handed::Delivered,
                // Its connect ended a moment ago, without its inbox being dropped yet.
                Err(_) => Handed::Ignored,
            };
        }
        routes.abandoned.retain(|a| a.at.elapsed() < REMEMBERED_FOR);
        if let Some(at) = routes.abandoned.iter().position(|a| same(&a.state, &state)) {
            // Once only: the same address handed in again is ignored.
            let a = routes.abandoned.remove(at).expect("found");
            return Handed::Late(LateAnswer { site_url: a.site_url, app_name: a.app_name, params });
        }
        Handed::Ignored
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::connect_for_test;
    use super::super::Callback;
    use super::*;

    fn answer(state: Option<&str>) -> String {
        let state = state.map(|s| format!("state={s}&")).unwrap_or_default();
        format!("folio://connect?{state}site_url=https%3A%2F%2Fex.com&user_login=ann&password=pw")
    }

    #[test]
    fn only_folio_connect_addresses_are_taken_from_the_os() {
        let p = app_callback_params(
            "folio://connect?state=abc&site_url=https%3A%2F%2Fex.com&user_login=ann&password=x%20y",
        )
        .unwrap();
        assert_eq!(p["state"], "abc");
        assert_eq!(p["site_url"], "https://ex.com");
        assert_eq!(p["password"], "x y");
        assert!(app_callback_params("folio://other?state=abc").is_none());
        assert!(app_callback_params("https://connect?state=abc").is_none());
        assert!(app_callback_params("not a url").is_none());
    }

    #[test]
    fn a_forged_or_early_answer_is_ignored_and_the_connect_keeps_waiting() {
        let answers = AppAnswers::default();
        let mut c = connect_for_test("a1b2c3", Callback::App);
        answers.expect(&mut c);
        for forged in [
            answer(Some("f0f0f0")),
            answer(None),
            answer(Some("")),
            answer(Some("a1b2c")),
            "folio://other?state=a1b2c3".to_string(),
        ] {
            assert!(matches!(answers.hand_in(&forged), Handed::Ignored), "{forged}");
        }
        let inbox = c.inbox.as_mut().unwrap();
        assert_eq!(
            inbox.answer.try_recv(),
            Err(oneshot::error::TryRecvError::Empty),
            "still waiting"
        );

        assert!(matches!(answers.hand_in(&answer(Some("a1b2c3"))), Handed::Delivered));
        let got = c.inbox.as_mut().unwrap().answer.try_recv().unwrap();
        assert_eq!(got["password"], "pw");
        // Delivered once: the same address again is not an answer to anything.
        assert!(matches!(answers.hand_in(&answer(Some("a1b2c3"))), Handed::Ignored));
        drop(c);
        assert!(
            matches!(answers.hand_in(&answer(Some("a1b2c3"))), Handed::Ignored),
            "a connect that got its answer is not abandoned"
        );
    }

    #[test]
    fn an_approval_for_an_abandoned_connect_is_handed_back_once_to_be_revoked() {
        let answers = AppAnswers::default();
        let mut c = connect_for_test("d4e5f6", Callback::App);
        answers.expect(&mut c);
        drop(c); // cancelled, timed out or replaced
        let Handed::Late(late) = answers.hand_in(&answer(Some("d4e5f6"))) else {
            panic!("a late approval is handed back")
        };
        assert_eq!(late.site_url, "https://ex.com");
        assert!(!format!("{late:?}").contains("pw"), "{late:?}");
        assert!(matches!(answers.hand_in(&answer(Some("d4e5f6"))), Handed::Ignored));
        // A wrong state is still nothing, abandoned connects or not.
        assert!(matches!(answers.hand_in(&answer(Some("0f0f0f"))), Handed::Ignored));
    }

    #[test]
    fn a_loopback_connect_takes_nothing_from_the_apps_address() {
        let answers = AppAnswers::default();
        let mut c = connect_for_test("778899", Callback::Loopback);
        answers.expect(&mut c);
        assert!(c.inbox.is_none());
        assert!(matches!(answers.hand_in(&answer(Some("778899"))), Handed::Ignored));
    }
}
