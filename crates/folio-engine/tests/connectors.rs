//! A connector registered from outside the engine (the tests' fake media library) is listed
//! with what it declares, next to the sources every engine has: the listing is read from the
//! registrations, not from a list of names in the engine.

mod support;

use folio_engine::Role;

#[tokio::test]
async fn a_registered_connector_is_listed_with_what_it_declares() {
    let world = support::World::new();
    let engine = world.engine().await;
    let connectors = engine.connectors();
    let ids: Vec<&str> = connectors.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["canva", "dropbox", "fake", "figma", "folder", "lightroom", "openrouter"],
        "sorted by id, each once"
    );
    let fake = connectors.iter().find(|c| c.id == "fake").unwrap();
    assert_eq!(fake.roles, [Role::Destination]);
    assert_eq!(*fake, folio_sites::fake::connector(), "listed as declared");
    assert!(connectors.iter().all(|c| c.id != "wordpress"), "only what was registered");
}
