//! The app's way back from WordPress's approval page, `folio://connect?…`, against the real
//! WordPress: the answer counts only with the state Folio put in it and from the site being
//! connected; a reject is said as such; an approval saves the site with a password that works.
//! An approval that comes after its connect was given up (through the app's address or on
//! 127.0.0.1) has its password removed from the site again. (The rest of the loopback way is
//! tested through the CLI, in crates/folio-cli/tests/connect.rs.)

#[path = "../../../tests/support/approve.rs"]
mod approve;

use folio_engine::{app_callback_params, AppAnswers, Callback, Engine, EngineOptions, Handed};
use std::collections::BTreeMap;
use std::time::Duration;

struct Wp {
    url: String,
    user: String,
    login: String,
    /// The test admin's own Application Password, to list the user's passwords.
    app_password: String,
}

fn wordpress() -> Option<Wp> {
    let get = |k: &str| std::env::var(format!("FOLIO_WP_{k}")).ok();
    match (get("URL"), get("USER"), get("LOGIN_PASSWORD"), get("APP_PASSWORD")) {
        (Some(url), Some(user), Some(login), Some(app_password)) => {
            Some(Wp { url, user, login, app_password })
        }
        _ if std::env::var_os("FOLIO_REQUIRE_WP").is_some() => {
            panic!(
                "FOLIO_REQUIRE_WP is set but FOLIO_WP_URL/USER/LOGIN_PASSWORD/APP_PASSWORD are not"
            )
        }
        _ => {
            eprintln!("SKIP: no WordPress (run under tests/with-wordpress.sh)");
            None
        }
    }
}

/// WordPress keeps a user's Application Passwords in one list, and the first use of a new
/// password writes the whole list back: tests that make passwords at the same time can lose
/// each other's. They take turns.
static PASSWORDS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn engine(data: &std::path::Path) -> Engine {
    let options = EngineOptions { file_secrets: true, ..EngineOptions::default() };
    Engine::open_with(data, options).await.unwrap()
}

/// Presses a button on the approval page as a browser with JavaScript does (WordPress's form
/// without it drops a `folio://` success URL) and returns where WordPress sends the browser.
async fn press(wp: &Wp, url: &str, button: approve::Press) -> String {
    let (site, user, login, url) =
        (wp.url.clone(), wp.user.clone(), wp.login.clone(), url.to_string());
    tokio::task::spawn_blocking(move || {
        approve::press_with_script(&site, &user, &login, &url, button)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_apps_address_brings_the_approval_back_and_only_the_right_one_counts() {
    let Some(wp) = wordpress() else { return };
    let _turn = PASSWORDS.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let engine = engine(tmp.path()).await;
    let c = engine
        .wordpress_connect_start(&wp.url, false, Callback::App, Some("Studio"))
        .await
        .unwrap();
    assert_eq!(c.callback, Callback::App);
    let success: BTreeMap<String, String> =
        url::Url::parse(&c.url).unwrap().query_pairs().into_owned().collect();
    assert!(success["success_url"].starts_with("folio://connect?state="), "{success:?}");

    // WordPress 6.1 takes a custom scheme with a host as success_url, and its page's script sends
    // the browser there.
    let back = press(&wp, &c.url, approve::Press::Approve).await;
    assert!(back.starts_with("folio://connect?state="), "{back}");
    let answer = app_callback_params(&back).expect("the OS hands the app this address");

    // Another state: not this connect's answer.
    let mut forged = answer.clone();
    forged.insert("state".into(), "f".repeat(32));
    let e = engine.wordpress_connect_answer(&c, &forged).await.unwrap_err();
    assert!(e.message.contains("wrong or missing state"), "{e:?}");
    // Another site in the answer: refused.
    let mut elsewhere = answer.clone();
    elsewhere.insert("site_url".into(), "https://evil.example".into());
    let e = engine.wordpress_connect_answer(&c, &elsewhere).await.unwrap_err();
    assert!(e.message.contains("not") && e.message.contains("evil.example"), "{e:?}");
    assert!(engine.sites().await.unwrap().is_empty(), "nothing saved yet");

    let site = engine.wordpress_connect_answer(&c, &answer).await.unwrap();
    assert_eq!((site.name.as_str(), site.account.as_str()), ("Studio", wp.user.as_str()));
    engine.recheck_site("Studio").await.unwrap();
    let message = engine.remove_site("Studio").await.unwrap();
    assert!(message.contains("revoked on the site"), "{message}");

    // A reject comes back the same way, and is said as such.
    let c = engine.wordpress_connect_start(&wp.url, false, Callback::App, None).await.unwrap();
    let back = press(&wp, &c.url, approve::Press::Reject).await;
    let rejected = app_callback_params(&back).unwrap();
    let e = engine.wordpress_connect_answer(&c, &rejected).await.unwrap_err();
    assert!(e.message.contains("rejected on the site"), "{e:?}");
    assert!(engine.sites().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_site_is_answered_on_the_loopback_and_others_through_the_app() {
    let Some(wp) = wordpress() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let engine = engine(tmp.path()).await;
    let c = engine.wordpress_connect_start(&wp.url, false, Callback::Best, None).await.unwrap();
    assert!(c.site.local, "the test site is on 127.0.0.1");
    assert_eq!(c.callback, Callback::Loopback);
    assert!(c.url.contains("success_url=http%3A%2F%2F127.0.0.1%3A"), "{}", c.url);
    assert!(
        !c.paste_url.contains("success_url"),
        "the paste page has no callback: {}",
        c.paste_url
    );
}

/// The uuids of the test user's Application Passwords on the site.
async fn passwords(wp: &Wp) -> Vec<String> {
    let (site, user, password) = (wp.url.clone(), wp.user.clone(), wp.app_password.clone());
    tokio::task::spawn_blocking(move || approve::app_password_uuids(&site, &user, &password))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_through_the_app_for_a_connect_given_up_is_removed_from_the_site() {
    let Some(wp) = wordpress() else { return };
    let _turn = PASSWORDS.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let engine = engine(tmp.path()).await;
    let answers = AppAnswers::default();
    let mut c = engine.wordpress_connect_start(&wp.url, false, Callback::App, None).await.unwrap();
    answers.expect(&mut c);
    let url = c.url.clone();
    // Forged answers handed in meanwhile change nothing: the connect waits on, until its time.
    for forged in [
        format!("folio://connect?state={}&site_url=x&user_login=admin&password=x", "f".repeat(32)),
        "folio://connect?site_url=x&user_login=admin&password=x".to_string(),
    ] {
        assert!(matches!(answers.hand_in(&forged), Handed::Ignored), "{forged}");
    }
    let e = engine
        .wordpress_connect_wait(&mut c, Duration::from_secs(1), std::future::pending())
        .await
        .unwrap_err();
    assert!(e.message.contains("timed out"), "{e:?}");
    assert!(c.is_waiting());
    let said = engine.wordpress_connect_abandon(c, Duration::from_secs(60), std::future::pending());
    assert!(said.await.is_none(), "the app's address remembers the state; nothing to wait for");

    // The user approves anyway; the OS hands the answer to the app.
    let before = passwords(&wp).await;
    let back = press(&wp, &url, approve::Press::Approve).await;
    assert_eq!(passwords(&wp).await.len(), before.len() + 1, "WordPress made a password");
    let Handed::Late(late) = answers.hand_in(&back) else { panic!("a late answer: {back}") };
    let said = engine.wordpress_connect_late(late).await;
    assert!(said.contains("was removed again"), "{said}");
    assert_eq!(passwords(&wp).await, before, "the late password is gone from the site");
    assert!(matches!(answers.hand_in(&back), Handed::Ignored), "once only");
    assert!(engine.sites().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_on_127_0_0_1_after_the_timeout_is_removed_from_the_site() {
    let Some(wp) = wordpress() else { return };
    let _turn = PASSWORDS.lock().await;
    let tmp = tempfile::tempdir().unwrap();
    let engine = engine(tmp.path()).await;
    let mut c =
        engine.wordpress_connect_start(&wp.url, false, Callback::Loopback, None).await.unwrap();
    let url = c.url.clone();
    let e = engine
        .wordpress_connect_wait(&mut c, Duration::from_secs(1), std::future::pending())
        .await
        .unwrap_err();
    assert!(e.message.contains("timed out"), "{e:?}");
    let before = passwords(&wp).await;
    let browser = {
        let (site, user, login) = (wp.url.clone(), wp.user.clone(), wp.login.clone());
        tokio::task::spawn_blocking(move || {
            let back = approve::press(&site, &user, &login, &url, approve::Press::Approve);
            approve::follow(&back)
        })
    };
    let grace =
        engine.wordpress_connect_abandon(c, Duration::from_secs(60), std::future::pending());
    let (said, page) = tokio::join!(grace, browser);
    let (status, page) = page.unwrap();
    assert_eq!(status, 410, "{page}");
    assert!(page.contains("was removed again"), "{page}");
    assert!(said.unwrap().contains("was removed again"));
    assert_eq!(passwords(&wp).await, before, "the late password is gone from the site");
    assert!(engine.sites().await.unwrap().is_empty());
}
