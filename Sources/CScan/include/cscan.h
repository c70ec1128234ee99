// Byte kernels for JSON strings: finding the bytes that need escapes, escaping, unescaping and
// checking UTF-8, sixteen bytes at a time with SSE2 on x86-64 (part of its baseline, so no
// runtime check is needed) and eight at a time in portable C elsewhere.
//
// Everything is `static inline`, so the Swift compiler inlines these into their callers.
#ifndef TAPEDECK_CSCAN_H
#define TAPEDECK_CSCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define TD_SSE2 1
#endif

/// A bit per byte of the 16 at `p` (bit k for p[k]) that is '"', '\' or below 0x20.
#if TD_SSE2
static inline unsigned td_special16(const uint8_t *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x22));
    __m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x5C));
    // v <= 0x1F, unsigned: max(v, 0x1F) == 0x1F.
    __m128i c = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, b), c));
}
#endif

static inline int td_is_special(uint8_t c) { return c == 0x22 || c == 0x5C || c < 0x20; }

/// The index of the first byte of p[from..<to] that is '"', '\' or below 0x20, or `to`.
static inline size_t td_special_index(const uint8_t *p, size_t from, size_t to) {
    size_t k = from;
#if TD_SSE2
    while (k + 16 <= to) {
        unsigned m = td_special16(p + k);
        if (m) return k + (size_t)__builtin_ctz(m);
        k += 16;
    }
#endif
    while (k < to && !td_is_special(p[k])) k++;
    return k;
}

#if TD_SSE2
/// Copies the 16 bytes at s + *r to d + *w and advances both past the ones that need no
/// escape; returns whether a special byte stopped it (then s[*r] is that byte).
static inline int td_copy_plain16(const uint8_t *s, size_t *r, uint8_t *d, size_t *w) {
    _mm_storeu_si128((__m128i *)(d + *w), _mm_loadu_si128((const __m128i *)(s + *r)));
    unsigned m = td_special16(s + *r);
    if (!m) { *r += 16; *w += 16; return 0; }
    unsigned k = (unsigned)__builtin_ctz(m);
    *r += k; *w += k;
    return 1;
}
#endif

static inline uint8_t td_hex_digit(uint8_t v) { return v < 10 ? (uint8_t)(0x30 + v) : (uint8_t)(0x61 + v - 10); }

/// The second byte of the two-byte escape of each byte below 0x60 that has one ('"', '\\',
/// newline, carriage return, tab), or 0 for the control bytes written as \u00XX.
static const uint8_t td_short_escape[0x60] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 't', 'n', 0, 0, 'r', 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
};

/// Writes the escape of one byte that needs one ('"', '\\' or below 0x20: 2 or 6 bytes);
/// returns its length. A table, not a switch, for the common short ones.
static inline size_t td_escape_byte(uint8_t c, uint8_t *d) {
    uint8_t e = td_short_escape[c];
    d[0] = 0x5C;
    if (__builtin_expect(e != 0, 1)) { d[1] = e; return 2; }
    d[1] = 'u'; d[2] = '0'; d[3] = '0';
    d[4] = td_hex_digit(c >> 4); d[5] = td_hex_digit(c & 0xF);
    return 6;
}

/// Escapes s[0..<n] for the inside of a JSON string into d[0..<cap], as far as it fits.
/// Returns the bytes written and sets *consumed to the input bytes they stand for (all of n
/// unless d filled up: the caller gives more room and goes on from there).
static inline size_t td_escape(const uint8_t *s, size_t n, uint8_t *d, size_t cap, size_t *consumed) {
    size_t r = 0, w = 0;
#if TD_SSE2
    // Whole blocks of 16 while 16 more input bytes follow (loads from anywhere in the block
    // stay inside the input) and the output has room for the worst case (every byte six, plus
    // a store): all the block's special bytes are taken from one mask.
    while (r + 32 <= n && w + 16 * 6 + 16 <= cap) {
        unsigned m = td_special16(s + r), pos = 0;
        while (m) {
            unsigned k = (unsigned)__builtin_ctz(m);
            _mm_storeu_si128((__m128i *)(d + w), _mm_loadu_si128((const __m128i *)(s + r + pos)));
            w += k - pos;
            w += td_escape_byte(s[r + k], d + w);
            pos = k + 1;
            m &= m - 1;
        }
        _mm_storeu_si128((__m128i *)(d + w), _mm_loadu_si128((const __m128i *)(s + r + pos)));
        w += 16 - pos;
        r += 16;
    }
#endif
    while (r < n) {
#if TD_SSE2
        if (r + 16 <= n && w + 16 <= cap) {
            if (!td_copy_plain16(s, &r, d, &w)) continue;
        } else
#endif
        if (!td_is_special(s[r])) {
            if (w >= cap) break;
            d[w++] = s[r++];
            continue;
        }
        if (w + 6 > cap) break;
        w += td_escape_byte(s[r], d + w);
        r++;
    }
    *consumed = r;
    return w;
}

/// What each byte after a backslash decodes to: the byte, plus TD_ESC_ODD for an escape the
/// serializer never writes; TD_ESC_U for \u (left to the caller); TD_ESC_BAD for none.
enum { TD_ESC_ODD = 0x100, TD_ESC_U = 0x200, TD_ESC_BAD = 0x400 };
#define TD_B TD_ESC_BAD
#define TD_B16 TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B
static const uint16_t td_unescape_table[256] = {
    TD_B16, TD_B16,                                                                      // 0x00-0x1F
    TD_B, TD_B, 0x22, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_ESC_ODD | 0x2F,  // 0x20-0x2F
    TD_B16, TD_B16,                                                                      // 0x30-0x4F
    TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, 0x5C, TD_B, TD_B, TD_B,          // 0x50-0x5F
    TD_B, TD_B, TD_ESC_ODD | 0x08, TD_B, TD_B, TD_B, TD_ESC_ODD | 0x0C, TD_B,                               // 0x60-0x67
    TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, 0x0A, TD_B,                                                         // 0x68-0x6F
    TD_B, TD_B, 0x0D, TD_B, 0x09, TD_ESC_U, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B, TD_B,      // 0x70-0x7F
    TD_B16, TD_B16, TD_B16, TD_B16, TD_B16, TD_B16, TD_B16, TD_B16,                      // 0x80-0xFF
};
#undef TD_B16
#undef TD_B

/// Outcomes of td_unescape.
enum {
    TD_UNESCAPE_QUOTE = 0,           // stopped at the closing quote
    TD_UNESCAPE_U = 1,               // stopped at the backslash of a \u escape (for the caller)
    TD_UNESCAPE_BAD_ESCAPE = 2,      // at the byte after a backslash that no escape starts with
    TD_UNESCAPE_UNTERMINATED_ESC = 3,// a backslash was the last byte (at end)
    TD_UNESCAPE_UNTERMINATED = 4,    // no closing quote (at end)
    TD_UNESCAPE_CONTROL = 5,         // at a control byte inside the string
};

/// Decodes the escape whose second byte is `e` onto d[*w], returning -1; or, without writing,
/// TD_UNESCAPE_U for a \u escape (left to the caller) or TD_UNESCAPE_BAD_ESCAPE. A table, not a
/// switch: the indirect jump of a switch was a quarter of the decoding loop.
static inline int td_unescape_one(uint8_t e, uint8_t *d, size_t *w, int *canonical) {
    uint16_t t = td_unescape_table[e];
    if (__builtin_expect(t > 0xFF, 0)) {
        if (t == TD_ESC_U) return TD_UNESCAPE_U;
        if (t == TD_ESC_BAD) return TD_UNESCAPE_BAD_ESCAPE;
        *canonical = 0;  // '\/', '\b', '\f'
    }
    d[(*w)++] = (uint8_t)t;
    return -1;
}

/// Decodes a JSON string from s[*r], inside the string, into d[*w...], up to the closing
/// quote or the next \u escape, which it leaves to the caller. Clears *canonical for an escape
/// the serializer would not write ('\/', '\b', '\f').
///
/// Sixteen-byte stores: d needs room for 16 bytes past *w whenever *r + 16 <= end, which holds
/// when d has room for the whole input from the string's start and *w never passes *r.
static inline int td_unescape(const uint8_t *s, size_t *rp, size_t end, uint8_t *d, size_t *wp, int *canonical) {
    size_t r = *rp, w = *wp;
    int status;
    for (;;) {
#if TD_SSE2
        // Whole blocks of 16 input bytes while 16 more follow them (so loads from anywhere in
        // the block stay inside the input). All the block's special bytes are found at once
        // and taken from its mask, so that escapes close together (the quotes of JSON text in
        // a string) cost mask operations rather than a new scan each.
        while (r + 32 <= end) {
            unsigned m = td_special16(s + r), pos = 0;
            for (;;) {
                unsigned k = m ? (unsigned)__builtin_ctz(m) : 16;
                _mm_storeu_si128((__m128i *)(d + w), _mm_loadu_si128((const __m128i *)(s + r + pos)));
                w += k - pos;
                if (k == 16) { pos = 16; break; }
                uint8_t c = s[r + k];
                if (c != 0x5C) {
                    *rp = r + k; *wp = w;
                    return c == 0x22 ? TD_UNESCAPE_QUOTE : TD_UNESCAPE_CONTROL;
                }
                if (k == 15) { pos = 15; break; }  // the escaped byte is in the next block
                int stop = td_unescape_one(s[r + k + 1], d, &w, canonical);
                if (__builtin_expect(stop >= 0, 0)) {
                    *rp = stop == TD_UNESCAPE_BAD_ESCAPE ? r + k + 1 : r + k; *wp = w;
                    return stop;
                }
                pos = k + 2;
                m &= ~0u << pos;  // the escaped byte (which may be a quote or backslash) too
            }
            r += pos;
        }
#endif
        // The plain run up to the next special byte.
#if TD_SSE2
        while (r + 16 <= end) {
            if (td_copy_plain16(s, &r, d, &w)) goto special;
        }
#endif
        while (r < end && !td_is_special(s[r])) d[w++] = s[r++];
#if TD_SSE2
    special:
#endif
        if (r >= end) { status = TD_UNESCAPE_UNTERMINATED; break; }
        uint8_t c = s[r];
        if (c == 0x22) { status = TD_UNESCAPE_QUOTE; break; }
        if (c < 0x20) { status = TD_UNESCAPE_CONTROL; break; }
        // A backslash.
        if (r + 1 >= end) { r = end; status = TD_UNESCAPE_UNTERMINATED_ESC; break; }
        int stop = td_unescape_one(s[r + 1], d, &w, canonical);
        if (stop >= 0) {
            if (stop == TD_UNESCAPE_BAD_ESCAPE) r += 1;
            status = stop;
            break;
        }
        r += 2;
    }
    *rp = r; *wp = w;
    return status;
}

/// Whether p[0..<n] is well-formed UTF-8 (no overlong forms, surrogates or scalars past
/// U+10FFFF): exactly the bytes Swift's String(decoding:as:) keeps without repair.
static inline int td_valid_utf8(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
#if TD_SSE2
        if (i + 16 <= n) {
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(p + i)));
            if (!m) { i += 16; continue; }
            i += (size_t)__builtin_ctz(m);
        }
#else
        if (i + 8 <= n) {
            uint64_t x; memcpy(&x, p + i, 8);
            if (!(x & 0x8080808080808080ULL)) { i += 8; continue; }
        }
#endif
        uint8_t c = p[i];
        if (c < 0x80) { i++; continue; }
#define TD_CONT(k) ((k) < n && (p[k] & 0xC0) == 0x80)
        if (c >= 0xC2 && c <= 0xDF) {
            if (!TD_CONT(i + 1)) return 0;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (!TD_CONT(i + 1) || !TD_CONT(i + 2)) return 0;
            uint8_t c1 = p[i + 1];
            if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return 0;  // overlong; surrogate
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (!TD_CONT(i + 1) || !TD_CONT(i + 2) || !TD_CONT(i + 3)) return 0;
            uint8_t c1 = p[i + 1];
            if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) return 0;  // overlong; past U+10FFFF
            i += 4;
        } else {
            return 0;
        }
#undef TD_CONT
    }
    return 1;
}

/// The index of the first "sk-" in p[0..<n] (where a provider secret key may start), or n.
static inline size_t td_find_sk(const uint8_t *p, size_t n) {
    size_t k = 0;
#if TD_SSE2
    while (k + 18 <= n) {
        __m128i s = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + k)), _mm_set1_epi8('s'));
        __m128i kk = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + k + 1)), _mm_set1_epi8('k'));
        __m128i d = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + k + 2)), _mm_set1_epi8('-'));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_and_si128(s, kk), d));
        if (m) return k + (size_t)__builtin_ctz(m);
        k += 16;
    }
#endif
    for (; k + 3 <= n; k++) {
        if (p[k] == 's' && p[k + 1] == 'k' && p[k + 2] == '-') return k;
    }
    return n;
}

#endif
