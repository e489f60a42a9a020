// The YAML editor's reading of its text: the documents it holds (kind, name, namespace, resourceVersion), their
// syntax errors with line and column, and a resourceVersion swapped in place (comments kept). Uses the `yaml`
// package, so only the lazily loaded editor (and tests) import this module.
import { parseAllDocuments, isMap, isScalar, type Document } from 'yaml';

export interface YamlProblem {
  /** the parser's English message, or one of KNOWN_PROBLEMS */
  message: string;
  /** the parser's error code (`BAD_INDENT`, `DUPLICATE_KEY` ...), for a sentence in the user's language */
  code?: string;
  /** 1-based line and column of where it starts */
  line: number;
  col: number;
  /** offsets in the text */
  from: number;
  to: number;
}

export interface YamlDoc {
  /** the document's place among the non-empty documents (what the server's results call `index`) */
  index: number;
  apiVersion: string | null;
  kind: string | null;
  name: string | null;
  namespace: string | null;
  resourceVersion: string | null;
  /** where the document is in the text */
  from: number;
  to: number;
  /** the document's value, when it parsed */
  value: unknown;
  problems: YamlProblem[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: offset - last };
}

function isEmpty(doc: Document.Parsed): boolean {
  // (`---` twice in a row, or a document of comments only, holds a null scalar)
  return doc.errors.length === 0 && (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && !doc.contents.source));
}

/**
 * The documents of a YAML text (separated by `---`), empty ones left out, each with its identifying fields and
 * its problems: syntax errors, and a document that is not a mapping or lacks apiVersion or kind.
 */
export function splitYamlDocs(text: string): YamlDoc[] {
  const docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  const out: YamlDoc[] = [];
  for (const doc of list) {
    if (isEmpty(doc)) continue;
    const [from, , to] = doc.range;
    const problems: YamlProblem[] = doc.errors.map((e) => {
      const [a, b] = e.pos;
      return { message: e.message.split('\n')[0], code: e.code, ...lineCol(text, a), from: a, to: Math.max(b, a + 1) };
    });
    let value: unknown = null;
    if (!problems.length) {
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        problems.push({ message: (e as Error).message, ...lineCol(text, from), from, to: Math.max(from + 1, to) });
      }
    }
    const obj = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    const meta = obj?.metadata && typeof obj.metadata === 'object' ? (obj.metadata as Record<string, unknown>) : null;
    if (!problems.length) {
      const at = { ...lineCol(text, from), from, to: Math.max(from + 1, Math.min(to, from + 1)) };
      if (!obj) problems.push({ message: 'not_a_mapping', ...at });
      else {
        if (!str(obj.apiVersion)) problems.push({ message: 'missing_api_version', ...at });
        if (!str(obj.kind)) problems.push({ message: 'missing_kind', ...at });
      }
    }
    out.push({
      index: out.length,
      apiVersion: str(obj?.apiVersion),
      kind: str(obj?.kind),
      name: str(meta?.name) ?? (str(meta?.generateName) ? `${str(meta?.generateName)}…` : null),
      namespace: str(meta?.namespace),
      resourceVersion: str(meta?.resourceVersion),
      from,
      to,
      value,
      problems,
    });
  }
  return out;
}

/** Problems the editor reports before sending anything (`not_a_mapping`, `missing_kind` ... are message keys). */
export const KNOWN_PROBLEMS = ['not_a_mapping', 'missing_api_version', 'missing_kind'] as const;

/** Parser error codes the editor words in the user's language (the parser's English detail follows). */
export const WORDED_CODES = ['BAD_INDENT', 'MISSING_CHAR', 'DUPLICATE_KEY', 'UNEXPECTED_TOKEN', 'TAB_AS_INDENT', 'BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'BAD_SCALAR_START', 'BAD_DQ_ESCAPE', 'BLOCK_IN_FLOW'] as const;

/**
 * The text with the resourceVersion of its (first) document set to `rv`, the rest as the user wrote it (comments
 * and order kept): "re-apply on latest" after a conflict.
 */
export function withResourceVersion(text: string, rv: string): string {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs.filter((d) => !isEmpty(d)) : [];
  const doc = list[0];
  if (!doc || doc.errors.length || !isMap(doc.contents)) return text;
  // the value is there: replace its text only
  const node = doc.getIn(['metadata', 'resourceVersion'], true);
  if (isScalar(node) && node.range) {
    const [a, b] = node.range;
    return text.slice(0, a) + JSON.stringify(rv) + text.slice(b);
  }
  doc.setIn(['metadata', 'resourceVersion'], rv);
  const [from, , to] = doc.range;
  // only the document's own text is replaced (a comment above it, the `---` markers and the other documents stay
  // as written)
  doc.commentBefore = null;
  const own = doc.toString().replace(/^---\n/, '');
  const after = text.slice(to);
  return text.slice(0, from) + (after && !own.endsWith('\n') ? `${own}\n` : own) + after;
}
