import Vapor

extension Request {
    /// How a page names who acted, from the label a timeline or a mark keeps (`staff:王晓窗`,
    /// `enterprise:某公司 by person:王丽`, `system:deadline-watch`): the name, with staff, the
    /// system and the person acting for an enterprise said in words.
    package func actorName(_ label: String) -> String {
        let named = label.components(separatedBy: " by ").map { part -> String in
            let split = part.split(separator: ":", maxSplits: 1)
            guard split.count == 2 else { return part }
            // the level of proof an audit label carries (`[L2]`) is for auditors, not the page
            var name = String(split[1])
            if let level = name.range(of: #" \[L\d\]$"#, options: .regularExpression) { name.removeSubrange(level) }
            switch split[0] {
            case "staff": return t("actor.staff", ["name": name])
            case "system": return t("actor.system")
            default: return name
            }
        }
        guard named.count == 2 else { return named.joined(separator: " ") }
        return t("actor.agent", ["holder": named[0], "person": named[1]])
    }
}
