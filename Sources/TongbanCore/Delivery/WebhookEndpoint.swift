import Foundation

/// Where a department's system asks to be sent events. The platform must not become a way into
/// networks its callers cannot reach (SSRF): an endpoint is https; plain http only to this
/// machine, and only when the operator runs in development; private and link-local addresses
/// only when the operator allows them. The URL is checked when the subscription is made, and
/// every address its host resolves to is checked again before each connection.
public enum WebhookEndpoint {
    public struct Rules: Sendable, Equatable {
        /// Development: http://localhost and other loopback addresses are accepted.
        public var allowLoopback: Bool
        /// The operator's choice for deployments whose department systems sit in private networks.
        public var allowPrivateNetworks: Bool

        public init(allowLoopback: Bool = false, allowPrivateNetworks: Bool = false) {
            self.allowLoopback = allowLoopback
            self.allowPrivateNetworks = allowPrivateNetworks
        }
    }

    public enum Problem: Error, Sendable, Equatable {
        case notAURL
        case schemeNotAllowed
        /// `user:password@` in the URL: it would be sent on every delivery and shown to whoever reads the subscription.
        case credentialsInURL
        case fragmentNotAllowed
        case tooLong
        case addressNotAllowed(NetworkAddress.Kind)
    }

    public struct Target: Sendable, Equatable {
        public let url: String
        public let host: String
        public let port: Int
        public let usesTLS: Bool
        /// The host is a loopback name or address (http is taken for it in development).
        public let isLoopback: Bool
    }

    public static let maximumLength = 2_048

    public static func check(_ text: String, rules: Rules) throws(Problem) -> Target {
        guard text.utf8.count <= maximumLength else { throw .tooLong }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            var host = components.host?.lowercased(), !host.isEmpty
        else { throw .notAURL }
        guard components.user == nil, components.password == nil else { throw .credentialsInURL }
        guard components.fragment == nil else { throw .fragmentNotAllowed }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let address = NetworkAddress(host)
        if address == nil, host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) {
            // a number that is not a plain dotted address (2130706433, 127.1, 010.0.0.1): resolvers differ on these
            throw .notAURL
        }
        let loopback = address?.kind == .loopback || host == "localhost" || host.hasSuffix(".localhost")
        switch scheme {
        case "https":
            break
        case "http" where loopback && rules.allowLoopback:
            break
        default:
            throw .schemeNotAllowed
        }
        if loopback {
            guard rules.allowLoopback else { throw .addressNotAllowed(.loopback) }
        } else if let address {
            try checkResolved(address, rules: rules)
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65_535).contains(port) else { throw .notAURL }
        return Target(url: text, host: host, port: port, usesTLS: scheme == "https", isLoopback: loopback)
    }

    /// An address the endpoint's host resolved to, before connecting to it.
    public static func checkResolved(_ address: NetworkAddress, rules: Rules) throws(Problem) {
        switch address.kind {
        case .public:
            return
        case .loopback where rules.allowLoopback:
            return
        case .private where rules.allowPrivateNetworks, .linkLocal where rules.allowPrivateNetworks:
            return
        case let kind:
            throw .addressNotAllowed(kind)
        }
    }
}
