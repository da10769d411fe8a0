extension Array {
    /// The elements in consecutive slices of `size` (the last may be shorter): rows written or
    /// looked up a bounded number at a time.
    package func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
