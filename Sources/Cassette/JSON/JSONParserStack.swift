/// The parser's scratch stack of container members: a container's members are pushed while it
/// is open and moved into one exactly sized array when it closes.
///
/// Slots are never removed, only overwritten: popped slots keep `filler` (a value without
/// storage), so moving members out retains and releases nothing, and the storage is reused by
/// the next container.
struct JSONParserStack<T> {
    private var slots: [T] = []
    private let filler: T
    /// The number of live members.
    private(set) var count = 0

    init(filler: T, capacity: Int) {
        self.filler = filler
        slots.reserveCapacity(capacity)
    }

    /// Slots allocated.
    var capacity: Int { slots.capacity }

    subscript(k: Int) -> T {
        get { slots[k] }
        set { slots[k] = newValue }
    }

    mutating func push(_ v: T) {
        if count < slots.count { slots[count] = v } else { slots.append(v) }
        count += 1
    }

    /// Empties the stack, putting `filler` back in the live slots so that they hold no storage.
    mutating func clear() {
        guard count > 0 else { return }
        for k in 0..<count { slots[k] = filler }
        count = 0
    }

    /// Shrinks back to `base`, leaving the slots as they are (for plain values such as hashes).
    mutating func drop(to base: Int) { count = base }

    /// The members from `base` on, in order, as a new array; the stack shrinks back to `base`.
    mutating func pop(from base: Int) -> [T] {
        var out: [T] = []
        out.reserveCapacity(count - base)
        let f = filler
        slots.withUnsafeMutableBufferPointer { s in
            for k in base..<count {
                var v = f
                swap(&v, &s[k])
                out.append(v)
            }
        }
        count = base
        return out
    }
}
