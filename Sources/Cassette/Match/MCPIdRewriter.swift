/// Rewrites the JSON-RPC ids in a recorded MCP response to the live client's id, keeping the
/// recorded chunk timing: chunk boundaries move with the bytes they followed.
public enum MCPIdRewriter {
    /// The response body and chunks with every response message whose id was `recordedId`
    /// carrying `liveId` instead. JSON bodies and SSE streams are both handled.
    public static func rewrite(body: Body, chunks: [Chunk], recordedId: JSON, liveId: JSON) -> (Body, [Chunk]) {
        if recordedId == liveId { return (body, chunks) }
        switch body {
        case .json(let v, let layout):
            return (.json(swap(v, recordedId, liveId), layout), rescale(chunks, to: Body.json(swap(v, recordedId, liveId), layout).count))
        case .text(let t):
            // SSE: rewrite event by event and remap offsets.
            let bytes = Array(t.utf8)
            var out: [UInt8] = []
            var map: [(old: Int, new: Int)] = [(0, 0)]
            var i = 0
            while i < bytes.count {
                // One line at a time; only `data:` lines holding a JSON-RPC response change.
                var j = i
                while j < bytes.count, bytes[j] != 0x0A { j += 1 }
                let line = Array(bytes[i..<j])
                var replaced = line
                if line.starts(with: Array("data:".utf8)) {
                    var k = 5
                    if k < line.count, line[k] == 0x20 { k += 1 }
                    if let v = try? JSON.parse(line[k...]), v["id"] == recordedId, v["method"] == nil {
                        replaced = Array(line[0..<k]) + swap(v, recordedId, liveId).serialized()
                    }
                } else if let v = try? JSON.parse(line), v["id"] == recordedId, v["method"] == nil {
                    replaced = swap(v, recordedId, liveId).serialized()  // a bare JSON line
                }
                out += replaced
                if j < bytes.count { out.append(0x0A) }
                map.append((j + (j < bytes.count ? 1 : 0), out.count))
                i = j + 1
            }
            var newChunks: [Chunk] = []
            var oldEnd = 0, prevNew = 0
            for c in chunks {
                oldEnd += c.length
                // The new offset of an old offset: exact at line ends, shifted within a line.
                let anchor = map.last { $0.old <= oldEnd } ?? (0, 0)
                let newEnd = min(out.count, anchor.new + (oldEnd - anchor.old))
                newChunks.append(Chunk(length: max(0, newEnd - prevNew), tNs: c.tNs))
                prevNew = max(prevNew, newEnd)
            }
            if !newChunks.isEmpty, prevNew < out.count { newChunks[newChunks.count - 1].length += out.count - prevNew }
            return (.text(String(decoding: out, as: UTF8.self)), newChunks)
        default:
            return (body, chunks)
        }
    }

    static func swap(_ v: JSON, _ from: JSON, _ to: JSON) -> JSON {
        if case .array(let a) = v { return .array(a.map { swap($0, from, to) }) }
        guard case .object(var o) = v, o["id"] == from, o["method"] == nil else { return v }
        o["id"] = to
        return .object(o)
    }

    static func rescale(_ chunks: [Chunk], to total: Int) -> [Chunk] {
        guard !chunks.isEmpty else { return chunks }
        var out = chunks
        let old = chunks.reduce(0) { $0 + $1.length }
        var acc = 0
        for k in out.indices {
            if k == out.count - 1 { out[k].length = total - acc } else {
                let l = old > 0 ? Int((Double(chunks[k].length) / Double(old) * Double(total)).rounded(.down)) : 0
                out[k].length = l
                acc += l
            }
        }
        return out
    }
}
