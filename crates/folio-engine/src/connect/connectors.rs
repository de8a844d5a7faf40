//! The connectors this engine was built with: every source and destination it can make, as
//! each declares itself. Front ends list these instead of naming services.

use crate::Engine;
use folio_model::ConnectorInfo;

impl Engine {
    /// Every connector, sources and destinations, by id; one that is both is listed once with
    /// both roles.
    pub fn connectors(&self) -> Vec<ConnectorInfo> {
        let mut all: Vec<ConnectorInfo> = Vec::new();
        let declared = self.state.sources.connectors().chain(self.state.backends.connectors());
        for info in declared {
            match all.iter_mut().find(|c| c.id == info.id) {
                Some(known) => {
                    for role in &info.roles {
                        if !known.roles.contains(role) {
                            known.roles.push(*role);
                        }
                    }
                }
                None => all.push(info.clone()),
            }
        }
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }
}
