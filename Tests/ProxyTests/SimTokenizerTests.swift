import Testing
@testable import Proxy

@Suite struct SimTokenizerTests {
    @Test func piecesFollowTheDocumentedRules() {
        #expect(SimTokenizer.tokens("Hello world") == ["Hell", "o", " worl", "d"])
        #expect(SimTokenizer.tokens("the cat sat.") == ["the", " cat", " sat", "."])
        #expect(SimTokenizer.tokens("1234567") == ["123", "456", "7"])
        #expect(SimTokenizer.tokens("a\n\nb") == ["a", "\n\n", "b"])
        #expect(SimTokenizer.tokens("a  b") == ["a", " ", " b"])
        #expect(SimTokenizer.tokens("café") == ["caf", "é"])
        #expect(SimTokenizer.tokens("日本") == ["日", "本"])
        #expect(SimTokenizer.tokens("") == [])
    }

    @Test func piecesCoverTheTextExactly() {
        let text = "  Mixed: text, 12345 numbers; ünïcödé\t\ttabs\n and {\"json\": [1, 2]} "
        #expect(SimTokenizer.tokens(text).joined() == text)
    }

    @Test func englishIsAboutFourCharactersPerToken() {
        let text = "The quick brown fox jumps over the lazy dog while the weather in Paris stays sunny and warm all afternoon."
        let ratio = Double(text.count) / Double(SimTokenizer.count(text))
        #expect(ratio > 3 && ratio < 5)
    }

    @Test func loremTokensRetokenizeOneToOne() {
        for seed: UInt64 in [0, 1, 42] {
            let text = (0..<300).map { SimLorem.piece($0, seed: seed) }.joined()
            #expect(SimTokenizer.count(text) == 300)
        }
    }
}
