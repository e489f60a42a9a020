import { describe, expect, it } from 'vitest';
import { intParam, mergedLogParams, patchParams, selectedMenuKey, sortOrderOf, tableChangePatch, validClusterId } from './urlstate';

describe('list state in the URL', () => {
  it('a page click keeps the filters and the sort, and sets page and page size', () => {
    const before = new URLSearchParams('namespace=shop&sort=name&page_size=10');
    // what antd passes to the table's onChange for a click on page 2
    const patch = tableChangePatch({ current: 2, pageSize: 10 }, { order: undefined, columnKey: undefined }, 'paginate');
    expect(patch).toEqual({ page: 2, page_size: 10 });
    expect(patchParams(before, patch).toString()).toBe('namespace=shop&sort=name&page_size=10&page=2');
  });
  it('choosing 200 a page keeps the page antd chose', () => {
    const p = patchParams(new URLSearchParams('page=3'), tableChangePatch({ current: 1, pageSize: 200 }, [], 'paginate'));
    expect(p.get('page')).toBe('1');
    expect(p.get('page_size')).toBe('200');
  });
  it('sorting sets the sort and starts at page 1; clearing the sort removes it', () => {
    const before = new URLSearchParams('page=4&page_size=20&sort=name');
    expect(patchParams(before, tableChangePatch({ current: 4, pageSize: 20 }, { order: 'descend', columnKey: 'restarts' }, 'sort')).toString()).toBe(
      'page_size=20&sort=-restarts',
    );
    expect(patchParams(before, tableChangePatch({ current: 4, pageSize: 20 }, { order: null, columnKey: 'name' }, 'sort')).has('sort')).toBe(false);
  });
  it('a filter change starts at page 1 and an empty value removes the key', () => {
    const p = patchParams(new URLSearchParams('page=3&name=web&status=Ready'), { name: '', status: 'cordoned' });
    expect(p.toString()).toBe('status=cordoned');
  });
  it('reads page numbers defensively', () => {
    expect(intParam('3', 1)).toBe(3);
    expect(intParam(null, 50)).toBe(50);
    expect(intParam('-2', 1)).toBe(1);
    expect(intParam('abc', 1)).toBe(1);
    expect(intParam('1000', 50, 500)).toBe(500);
  });
  it('shows the URL sort on its column', () => {
    expect(sortOrderOf('-age', 'age')).toBe('descend');
    expect(sortOrderOf('name', 'name')).toBe('ascend');
    expect(sortOrderOf('name', 'age')).toBeNull();
  });
});

describe('wrong URLs', () => {
  it('only a positive integer is a cluster id', () => {
    expect(validClusterId('12')).toBe(true);
    expect(validClusterId('abc')).toBe(false);
    expect(validClusterId('0')).toBe(false);
    expect(validClusterId('1e3')).toBe(false);
    expect(validClusterId(undefined)).toBe(false);
  });
});

describe('sidebar', () => {
  const keys = ['/clusters', '/clusters/7', '/clusters/7/nodes', '/clusters/7/pods', '/clusters/7/logs', '/admin/audit'];
  it('highlights Pods on a pod page and Logs on its log page', () => {
    expect(selectedMenuKey('/clusters/7/namespaces/shop/pods/web-1', keys, '7')).toBe('/clusters/7/pods');
    expect(selectedMenuKey('/clusters/7/namespaces/shop/pods/web-1/logs', keys, '7')).toBe('/clusters/7/logs');
  });
  it('highlights the longest entry elsewhere', () => {
    expect(selectedMenuKey('/clusters/7/nodes/worker-1', keys, '7')).toBe('/clusters/7/nodes');
    expect(selectedMenuKey('/clusters/7', keys, '7')).toBe('/clusters/7');
    expect(selectedMenuKey('/admin/audit', keys)).toBe('/admin/audit');
    expect(selectedMenuKey('/search', keys)).toBeUndefined();
  });
});

describe('workload logs', () => {
  it('the Show button applies the namespace typed without Enter', () => {
    expect(mergedLogParams(new URLSearchParams(''), ' demo-shop ', 'app=web').toString()).toBe('namespace=demo-shop&selector=app%3Dweb');
    expect(mergedLogParams(new URLSearchParams('namespace=a&selector=x%3Dy'), '', 'x=y').toString()).toBe('selector=x%3Dy');
  });
});
