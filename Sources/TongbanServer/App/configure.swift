import Fluent
import Foundation
import JWT
import Leaf
import LeafKit
import Prometheus
import TongbanCases
import TongbanCatalog
import TongbanCore
import TongbanDelivery
import TongbanHall
import TongbanIdentity
import TongbanOpenAPI
import TongbanPlatform
import TongbanRatings
import TongbanSupervision
import Vapor

/// Sets the application up. Everything a test overrides (database, keys, metrics registry)
/// comes in as a parameter; nothing is read from the environment here.
public func configure(
    _ app: Application, configuration: TongbanConfiguration, keys: KeyRing,
    metrics: PrometheusCollectorRegistry? = nil
) async throws {
    app.tongban = configuration
    app.keys = keys
    app.logger.logLevel = configuration.logLevel
    app.http.server.configuration.hostname = configuration.hostname
    app.http.server.configuration.port = configuration.port
    app.routes.defaultMaxBodySize = "1mb"

    let resources = TongbanResources.directory
    app.localizer = try Localizer.load(from: resources + "/Localization")
    app.views.use(.leaf)
    app.leaf.configuration.rootDirectory = resources + "/Views/"
    // The bundle may sit under a hidden folder (.build); the sandbox still keeps reads inside Views.
    app.leaf.sources = .singleSource(
        NIOLeafFiles(
            fileio: app.fileio, limits: [.toSandbox, .requireExtensions],
            sandboxDirectory: resources + "/Views/", viewDirectory: resources + "/Views/"))
    // Templates are bundled at build time, so a cache never serves a stale one.
    app.leaf.cache.isEnabled = true

    await app.jwt.keys.add(hmac: HMACKey(key: keys.tokenKey), digestAlgorithm: .sha256)

    app.catalogIndex = CatalogIndexHolder()
    app.catalogRevisionSource = app.catalogIndex
    app.applicationCaches = ApplicationCaches()
    app.pdfPreviews = PDFPreviews()
    app.signedInAccounts = SignedInAccounts()
    app.applicationSerials = ApplicationSerials()
    app.licenseKeys = LicenseKeys()
    app.licenseTypes = try LicenseTypeFile.load(TongbanResources.directory + "/Catalog/license-types.json")
    app.dataResources = try DataResourceFile.load(TongbanResources.directory + "/Catalog/data-resources.json")
    // a template naming a topic or a variable that does not exist stops the start here, named
    app.messageTemplates = try MessageTemplates.load(TongbanResources.directory + "/Templates/messages.json")
    app.workingDays = try WorkingDayCalendar.load(folder: TongbanResources.holidays)
    app.clock = configuration.clockStart.map { PlatformClock.starting(at: $0) } ?? .system
    app.groupCommit = GroupCommit(clock: app.clock)
    try app.useDatabase(configuration.database)
    app.migrations.addTongbanMigrations(keys: keys, materialsFolder: MaterialStore.folder(app))
    // the hall's shared caches, made before any request can race to make its own
    _ = (app.hallDirectory, app.hallEstimates, app.hallAreas, app.ticketDispenser, app.addressLimiter("kiosk"))
    _ = app.licenseRegistry

    // Outermost first: every response, errors included, gets the request id and the headers.
    app.middleware = Middlewares()
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(TongbanErrorMiddleware())

    try routes(app, metrics: metrics)
    registerCommands(app)
}

func routes(_ app: Application, metrics: PrometheusCollectorRegistry?) throws {
    HealthRoutes(registry: metrics).register(app)
    StaticFiles().register(app)
    app.get("openapi.json") { _ in OpenAPIDocument.response() }

    // Users' routes are access-logged; the probes above are not.
    let api = app.grouped("api", "v1").grouped(AccessLogMiddleware(), RequireContentType.json, BearerAuthenticator())
    IdentityAPI().register(api)
    HandlerAPI().register(api)
    RegionsAPI().register(api)
    AuditAPI().register(api)
    CatalogAPI().register(api)
    CalendarAPI().register(api)
    ApplicationAPI().register(api)
    CarrierAPI().register(api)
    LicenseAPI().register(app, api: api)
    SharingAPI().register(api)
    DataSharingAPI().register(api)
    HallAPI().register(api)
    HallManagementAPI().register(api)
    RatingAPI().register(api)
    SupervisionPages().registerAPI(api)
    ComplaintAPI().register(api)
    WarningBoardPages().registerAPI(api)
    HandoffPages().registerAPI(api)
    FrozenAccountPages().registerAPI(api)
    WebhookAPI().register(api)
    InboxAPI().register(api)
    SMSReceiptAPI().register(api)

    // Uploads carry the file itself: PDF, JPEG or PNG, up to 10 MB.
    app.grouped("api", "v1").grouped(AccessLogMiddleware(), RequireContentType(accepted: [.pdf, .jpeg, .png]), BearerAuthenticator())
        .on(.POST, "applications", ":id", "materials", ":key", body: .collect(maxSize: "10mb"), use: MaterialStore.upload)
    // A department's system loads its resource's records in NDJSON batches (up to 10,000 records).
    app.grouped("api", "v1").grouped(AccessLogMiddleware(), RequireContentType(accepted: [.ndjson]))
        .on(.PUT, "data", "resources", ":code", "records", body: .collect(maxSize: "32mb"), use: DataSharingAPI().loadRecords)

    let web = app.grouped(
        AccessLogMiddleware(), RequireContentType.form, SessionAuthenticator(), UnreadMessagesMiddleware(), CSRFMiddleware())
    SitePages().register(web)
    CatalogPages().register(web)
    IdentityPages().register(web)
    VerificationPages().register(web)
    WalkInPages().register(web)
    HandlerPages().register(web)
    StaffPages().register(web)
    CatalogAdminPages().register(web)
    ApplicationPages().register(web)
    LeadDeskPages().register(web)
    ApplicationNotices().register(web)
    ApplyPages().register(web)
    CaseOwnerPages().register(web)
    OwnerHandoffPages().register(web)
    MaterialPages().register(web)
    PostedMaterialPages().register(web)
    LicensePages().register(web)
    DataAccessPages().register(web)
    DataSharingPages().register(web)
    HallPages().register(web)
    RatingPages().register(web)
    SupervisionPages().register(web)
    ComplaintPages().register(web)
    WarningBoardPages().register(web)
    HandoffPages().register(web)
    FrozenAccountPages().register(web)
    AuditPages().register(web)
    WebhookPages().register(web)
    InboxPages().register(web)
}
