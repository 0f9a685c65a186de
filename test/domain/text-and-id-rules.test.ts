import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidArgument } from "../../src/domain/shared/errors.js";
import { checkId, isId } from "../../src/domain/shared/id-format.js";
import { checkText, hasInvisibleCharacters, type TextRule } from "../../src/domain/shared/text-rules.js";
import { Violations } from "../../src/domain/shared/violations.js";

// Property tests (fast-check) for the one display-text rule and the id rule (issue 14.6).

function violationsOf(check: (v: Violations) => void): string[] {
  const v = new Violations();
  check(v);
  try {
    v.throwIfAny();
    return [];
  } catch (error) {
    if (!(error instanceof InvalidArgument)) throw error;
    return error.violations.map((x) => x.description);
  }
}

const RULE: TextRule = { min: 1, max: 200 };
const textViolations = (value: string, rule: TextRule = RULE) =>
  violationsOf((v) => checkText(v, "name", value, rule));

/** Visible characters from several scripts, emoji (with their joiners) included. */
const visible = fc.constantFrom(
  ..."abcXYZ019 -_.,!?€éßøçÆ日本語中文한국어Ελληνικάкириллицаעבריתالعربيةहिन्दी".split(""),
  "👍",
  "👨‍👩‍👧",
  "❤️‍🔥",
  "می‌خواهم",
);
const visibleParts = fc.array(
  visible.filter((p) => p.trim() === p),
  { minLength: 1, maxLength: 40 },
);
const displayText = fc
  .array(visible, { minLength: 1, maxLength: 40 })
  .map((parts) => parts.join("").trim())
  .filter((s) => s.length > 0);

/** Bidi embeddings/overrides/isolates/marks, zero-width and other invisible format characters. */
const invisible = fc.constantFrom(
  "\u202A",
  "\u202B",
  "\u202C",
  "\u202D",
  "\u202E",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200E",
  "\u200F",
  "\u061C",
  "\u200B",
  "\u2060",
  "\uFEFF",
  "\u00AD",
  "\u2062",
  "\uE000",
  "\uFFFF",
  "\u{E0001}",
);
const control = fc
  .integer({ min: 0, max: 0x9f })
  .filter((c) => c < 0x20 || c >= 0x7f)
  .map((c) => String.fromCharCode(c));

const insertAt = (text: string, char: string, where: number) => {
  const points = [...text];
  const i = where % (points.length + 1);
  return [...points.slice(0, i), char, ...points.slice(i)].join("");
};

describe("the display-text rule", () => {
  it("accepts visible text of any script, emoji sequences and joiners in place included", () => {
    fc.assert(
      fc.property(displayText, (text) => {
        expect(textViolations(text)).toEqual([]);
      }),
    );
  });

  it("refuses visible text with any bidi control or invisible character anywhere in it", () => {
    fc.assert(
      fc.property(displayText, invisible, fc.nat(), (text, char, where) => {
        expect(textViolations(insertAt(text, char, where))).toEqual([
          "must not contain invisible or direction-changing characters (bidi controls, zero-width)",
        ]);
      }),
    );
  });

  it("refuses a joiner that joins nothing visible (at either end, or doubled)", () => {
    fc.assert(
      fc.property(displayText, fc.constantFrom("\u200D", "\u200C"), (text, joiner) => {
        expect(textViolations(`${joiner}${text}`)).not.toEqual([]);
        expect(textViolations(`${text}${joiner}`)).not.toEqual([]);
        expect(textViolations(`${text}${joiner}${joiner}${text}`)).not.toEqual([]);
      }),
    );
  });

  it("refuses control characters, keeping tab and line breaks for multi-line text only", () => {
    fc.assert(
      fc.property(visibleParts, control, fc.nat(), (parts, char, where) => {
        // Between two visible characters, so that no joiner loses its place (which the rule also refuses).
        const i = where % (parts.length + 1);
        const value = [...parts.slice(0, i), char, ...parts.slice(i)].join("");
        expect(textViolations(value)).toEqual(["must not contain control characters"]);
        const multi = textViolations(value, { ...RULE, multiline: true });
        expect(multi).toEqual("\t\n\r".includes(char) ? [] : ["must not contain control characters"]);
      }),
    );
  });

  it("refuses line separators in single-line text", () => {
    expect(textViolations("one\u2028two")).not.toEqual([]);
    expect(textViolations("one\u2029two", { ...RULE, multiline: true })).toEqual([]);
  });

  it("counts code points, not UTF-16 units, against the limits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.constantFrom("a", "😀", "日"), (n, char) => {
        const rule = { min: 1, max: 10 };
        expect(textViolations(char.repeat(n), rule)).toEqual(n > 10 ? ["must be at most 10 characters"] : []);
      }),
    );
  });

  it("never throws and reports at most one problem, for any string at all", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (value) => {
        expect(textViolations(value).length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("reports what a probe found: a spoofed file name", () => {
    expect(hasInvisibleCharacters("Safe\u202Egnp.exe\u200B")).toBe(true);
  });
});

describe("the id rule", () => {
  it("accepts any UUID in either case and returns it in canonical lower case", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.boolean(), (uuid, upper) => {
        const given = upper ? uuid.toUpperCase() : uuid;
        let canonical = "";
        expect(violationsOf((v) => (canonical = checkId(v, "id", given)))).toEqual([]);
        expect(canonical).toBe(uuid.toLowerCase());
      }),
    );
  });

  it("refuses anything that is not exactly a UUID (padding, truncation, any other string)", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.string({ minLength: 1, maxLength: 5 }), (uuid, extra) => {
        expect(isId(`${uuid}${extra}`)).toBe(false);
        expect(isId(`${extra}${uuid}`)).toBe(false);
        expect(isId(uuid.slice(0, 35))).toBe(false);
      }),
    );
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 60 }).filter((s) => !/^[0-9a-f-]{36}$/i.test(s)),
        (value) => {
          expect(isId(value)).toBe(false);
          expect(violationsOf((v) => checkId(v, "id", value))).toEqual([
            value === "" ? "is required" : "is not a valid id",
          ]);
        },
      ),
    );
  });
});
