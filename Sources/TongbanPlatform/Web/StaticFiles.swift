import Vapor

/// `/static/…`: the stylesheet and images, served by the app itself (no CDN). A route rather
/// than FileMiddleware, so other requests never touch the file system.
package struct StaticFiles {

    package init() {}
    package static let types: [String: HTTPMediaType] = [
        "css": .css, "svg": HTTPMediaType(type: "image", subType: "svg+xml"), "png": .png,
        "ico": HTTPMediaType(type: "image", subType: "x-icon"),
        "js": HTTPMediaType(type: "text", subType: "javascript", parameters: ["charset": "utf-8"]),
    ]

    package func register(_ app: Application) {
        let root = TongbanResources.directory + "/Public/"
        app.get("static", "**") { req async throws -> Response in
            let parts = req.parameters.getCatchall()
            guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") && !$0.contains("\\") }),
                let ext = parts.last?.split(separator: ".").last.map(String.init), let type = Self.types[ext]
            else { throw TongbanError.notFound(req.url.path) }
            let path = root + parts.joined(separator: "/")
            guard FileManager.default.fileExists(atPath: path) else { throw TongbanError.notFound(req.url.path) }
            let response = try await req.fileio.asyncStreamFile(at: path)
            response.headers.contentType = type
            response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
            return response
        }
    }
}
