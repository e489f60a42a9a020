import { describe, expect, it } from 'vitest';
import { emptyNamespaceNote, namespaceList } from './emptyList';
import { translate } from '../i18n';

describe('an empty pod list filtered by namespace says why', () => {
  it('a namespace without pods, or one that does not exist (the API cannot tell which)', () => {
    const n = emptyNamespaceNote(['no-such-ns'], 0)!;
    expect(translate('en', n.key, n.vars)).toBe('Namespace no-such-ns has no pods or does not exist');
    expect(translate('zh-CN', n.key, n.vars)).toBe('命名空间 no-such-ns 中没有容器组，或该命名空间不存在');
  });
  it('several namespaces', () => {
    const n = emptyNamespaceNote(namespaceList(' a, b ,'), 0)!;
    expect(translate('en', n.key, n.vars)).toBe('Namespaces a, b have no pods or do not exist');
  });
  it('a namespace with pods none of which match the other filters', () => {
    const n = emptyNamespaceNote(['shop'], 1234)!;
    expect(translate('en', n.key, n.vars)).toBe('Namespace shop has 1,234 pods, but none match the other filters');
  });
  it('nothing to say without a namespace filter or before the count is known', () => {
    expect(emptyNamespaceNote([], 0)).toBeNull();
    expect(emptyNamespaceNote(['shop'], undefined)).toBeNull();
  });
});
