import Foundation

/// Where the bundled templates, message tables, stylesheets and reference data are, wherever
/// the binary is started from.
package enum TongbanResources {
    package static var directory: String {
        Bundle.module.resourceURL!.path
    }

    package static var regions: String { directory + "/Regions" }
}
