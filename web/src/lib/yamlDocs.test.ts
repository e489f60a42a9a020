import { describe, expect, it } from 'vitest';
import { splitYamlDocs, withResourceVersion } from './yamlDocs';

describe('the documents of the editor', () => {
  it('splits on ---, drops empty documents, and reads kind, name, namespace and resourceVersion', () => {
    const docs = splitYamlDocs(
      '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n  resourceVersion: "12"\n---\n---\n# nothing here\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n',
    );
    expect(docs.map((d) => [d.index, d.kind, d.name, d.namespace, d.resourceVersion, d.problems.length])).toEqual([
      [0, 'ConfigMap', 'a', 'shop', '12', 0],
      [1, 'Deployment', 'web', null, null, 0],
    ]);
  });
  it('reports a syntax error with its line and column, and a duplicate key', () => {
    const [d] = splitYamlDocs('apiVersion: v1\nkind: ConfigMap\ndata: [1, 2\n');
    expect(d.problems.length).toBeGreaterThan(0);
    expect(d.problems[0].line).toBeGreaterThanOrEqual(3);
    const [dup] = splitYamlDocs('apiVersion: v1\nkind: A\nkind: B\n');
    expect(dup.problems[0]).toMatchObject({ line: 3, col: 1, code: 'DUPLICATE_KEY' });
  });
  it('says when a document is not an object or lacks apiVersion or kind', () => {
    expect(splitYamlDocs('- a\n- b\n')[0].problems.map((p) => p.message)).toEqual(['not_a_mapping']);
    expect(splitYamlDocs('kind: Service\n')[0].problems.map((p) => p.message)).toEqual(['missing_api_version']);
    expect(splitYamlDocs('apiVersion: v1\n')[0].problems.map((p) => p.message)).toEqual(['missing_kind']);
    expect(splitYamlDocs('')).toEqual([]);
  });
});

describe('re-apply on latest', () => {
  it('sets the resourceVersion and keeps comments and order', () => {
    const text = '# my edit\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # the name\n  resourceVersion: "12"\ndata:\n  k: mine\n';
    expect(withResourceVersion(text, '99')).toBe(text.replace('"12"', '"99"'));
  });
  it('adds a resourceVersion that was missing', () => {
    expect(splitYamlDocs(withResourceVersion('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n', '7'))[0].resourceVersion).toBe('7');
  });
  it('leaves a text that does not parse as it is', () => {
    expect(withResourceVersion('a: [1\n', '7')).toBe('a: [1\n');
  });
});
