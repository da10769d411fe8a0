import Foundation
import TongbanCore

/// A person acting for an enterprise (经办人): the person's own account and what they may do. The
/// enterprise is the account the request acts as; this names who is behind it.
package struct Agency: Sendable {
    package let person: Account
    package let agent: Agent
    /// The mandate it rests on; nil: the person is the enterprise's legal representative.
    package let mandateID: UUID?

    package init(person: Account, agent: Agent, mandateID: UUID?) {
        self.person = person
        self.agent = agent
        self.mandateID = mandateID
    }
}
