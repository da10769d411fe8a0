import Testing
@testable import TongbanCore

@Suite("input checks")
struct FieldErrorTests {
    @Test("text fields: required, length, control characters")
    func text() {
        var errors = FieldErrors()
        #expect(errors.text("a", "  张三 ", maxLength: 5) == "张三")
        #expect(errors.text("b", "   ", maxLength: 5) == nil)
        #expect(errors.text("c", "123456", maxLength: 5) == nil)
        #expect(errors.text("d", "a\u{0}b", maxLength: 5) == nil)
        #expect(errors.text("e", nil, maxLength: 5, required: false) == nil)
        #expect(
            errors.errors == [
                FieldError(field: "b", key: "field.required"), FieldError(field: "c", key: "field.tooLong"),
                FieldError(field: "d", key: "field.controlCharacters"),
            ])
    }

    @Test(
        "passwords",
        arguments: [
            ("short1!", "password.tooShort"), ("onlyletterss", "password.tooSimple"), ("1234567890", "password.tooSimple"),
            (String(repeating: "a1", count: 65), "field.tooLong"), ("", "field.required"),
        ])
    func weakPasswords(password: String, key: String) {
        var errors = FieldErrors()
        #expect(errors.newPassword("p", password) == nil)
        #expect(errors.errors == [FieldError(field: "p", key: key)])
    }

    @Test("acceptable passwords")
    func goodPasswords() {
        var errors = FieldErrors()
        #expect(errors.newPassword("p", "Tongban-demo-2026") != nil)
        #expect(errors.newPassword("p", "长城长城长城长城长城1") != nil)
        #expect(errors.isEmpty)
    }

    @Test("roles: at least one, each one that exists")
    func roles() {
        var errors = FieldErrors()
        #expect(errors.roles("roles", ["reviewer", "supervisor", "reviewer"]) == [.reviewer, .supervisor])
        #expect(errors.isEmpty)
        #expect(errors.roles("roles", ["reviewer", "king"]) == nil)
        #expect(errors.roles("roles", []) == nil)
        #expect(errors.roles("roles", nil) == nil)
        #expect(errors.errors.map(\.key) == ["roles.unknown", "roles.empty", "roles.empty"])
    }
}
