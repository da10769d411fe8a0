/// A link in a list on a page: where it goes, what it says, and a detail beside it (a count, a kind).
package struct PageLink: Encodable {
    package let href: String
    package let label: String
    package let detail: String?

    package init(href: String, label: String, detail: String?) {
        self.href = href
        self.label = label
        self.detail = detail
    }
}
