//! Plays the photographer's browser on WordPress's approval page (`authorize-application.php`):
//! logs in to wp-admin with the user's own password, opens the address Folio gave, and presses
//! Approve or Reject, as the no-JavaScript form does. Shared by the CLI and window tests.
#![allow(dead_code)]

use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Press {
    Approve,
    Reject,
}

fn browser() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of the input named `name` in `html`.
fn input(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + "value=\"".len();
    let value = &tag[v..v + tag[v..].find('"')?];
    Some(value.replace("&amp;", "&").replace("&#038;", "&").replace("&quot;", "\""))
}

/// The object a page's script assigns to `var NAME = {…};`.
fn script_object(html: &str, name: &str) -> serde_json::Value {
    let start =
        html.find(&format!("var {name} = ")).unwrap_or_else(|| panic!("no {name} in the page"));
    let rest = &html[start + name.len() + 7..];
    let end = rest.find("};").unwrap() + 1;
    serde_json::from_str(&rest[..end]).unwrap()
}

/// Logs in and opens `authorize_url`: the browser (with its cookies) and the page.
fn open(
    site_url: &str,
    user: &str,
    login_password: &str,
    authorize_url: &str,
) -> (reqwest::blocking::Client, String) {
    let b = browser();
    let login = format!("{}/wp-login.php", site_url.trim_end_matches('/'));
    // WordPress checks that the browser keeps cookies before it logs anyone in.
    b.get(&login).send().unwrap();
    let form = [
        ("log", user),
        ("pwd", login_password),
        ("wp-submit", "Log In"),
        ("testcookie", "1"),
        ("redirect_to", authorize_url),
    ];
    let r = b.post(&login).form(&form).send().unwrap();
    assert_eq!(
        r.status().as_u16(),
        302,
        "logging in to wp-admin: {}",
        r.text().unwrap_or_default()
    );
    let page = b.get(authorize_url).send().unwrap();
    assert!(page.status().is_success(), "the approval page: {}", page.status());
    let html = page.text().unwrap();
    (b, html)
}

/// Presses the button as a browser without JavaScript does (the page's form); returns where
/// WordPress sends the browser (the success or reject URL, with its answer in the query).
pub fn press(
    site_url: &str,
    user: &str,
    login_password: &str,
    authorize_url: &str,
    button: Press,
) -> String {
    let (b, html) = open(site_url, user, login_password, authorize_url);
    let field =
        |n: &str| input(&html, n).unwrap_or_else(|| panic!("no {n} on the approval page: {html}"));
    let mut fields: HashMap<&str, String> = HashMap::new();
    for name in ["_wpnonce", "action", "app_id", "success_url", "reject_url", "app_name"] {
        fields.insert(name, field(name));
    }
    match button {
        Press::Approve => fields.insert("approve", "Yes, I approve of this connection".into()),
        Press::Reject => fields.insert("reject", "No, I do not approve of this connection".into()),
    };
    let action = format!("{}/wp-admin/authorize-application.php", site_url.trim_end_matches('/'));
    let r = b.post(action).form(&fields).send().unwrap();
    assert_eq!(r.status().as_u16(), 302, "pressing {button:?}: {}", r.text().unwrap_or_default());
    r.headers()["Location"].to_str().unwrap().to_string()
}

/// Presses the button as a browser with JavaScript does (wp-admin/js/auth-app.js): Approve makes
/// the password through the REST API and sends the browser to the success URL with it; Reject
/// goes to the reject URL. Unlike the form, this keeps a `folio://` success URL (the form's
/// hidden field drops schemes WordPress does not know).
pub fn press_with_script(
    site_url: &str,
    user: &str,
    login_password: &str,
    authorize_url: &str,
    button: Press,
) -> String {
    let (b, html) = open(site_url, user, login_password, authorize_url);
    let app = script_object(&html, "authApp");
    if button == Press::Reject {
        return app["reject"].as_str().unwrap().to_string();
    }
    let api = script_object(&html, "wpApiSettings");
    let request = serde_json::json!({
        "name": input(&html, "app_name").unwrap(),
        "app_id": input(&html, "app_id").unwrap(),
    });
    let made: serde_json::Value = b
        .post(format!(
            "{}wp/v2/users/me/application-passwords?_locale=user",
            api["root"].as_str().unwrap()
        ))
        .header("X-WP-Nonce", api["nonce"].as_str().unwrap())
        .json(&request)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let raw = app["success"].as_str().expect("a success URL on the page");
    let enc = |v: &serde_json::Value| url_encode(v.as_str().unwrap());
    let sep = if raw.contains('?') { '&' } else { '?' };
    format!(
        "{raw}{sep}site_url={}&user_login={}&password={}",
        enc(&app["site_url"]),
        enc(&app["user_login"]),
        enc(&made["password"])
    )
}

/// JavaScript's encodeURIComponent.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Follows WordPress's redirect to Folio's listener, as the browser would.
pub fn follow(location: &str) -> (u16, String) {
    let r = browser().get(location).send().unwrap();
    (r.status().as_u16(), r.text().unwrap_or_default())
}

/// The uuids of the user's Application Passwords, through WordPress's REST API.
pub fn app_password_uuids(site_url: &str, user: &str, app_password: &str) -> Vec<String> {
    let r: serde_json::Value = browser()
        .get(format!(
            "{}/?rest_route=/wp/v2/users/me/application-passwords",
            site_url.trim_end_matches('/')
        ))
        .basic_auth(user, Some(app_password))
        .send()
        .unwrap()
        .json()
        .unwrap();
    r.as_array().unwrap().iter().map(|p| p["uuid"].as_str().unwrap().to_string()).collect()
}
