// The sidebar's prefetch is only worth something if the list page then asks for the very same query: a key that
// drifts (a new default parameter, a column filter) would fetch twice and show nothing sooner.
import { describe, expect, it, vi } from 'vitest';
import { QueryClient } from '@tanstack/react-query';

const asked: unknown[] = [];
vi.mock('../api/resources', () => ({
  listResources: (clusterId: string, name: string, query: unknown) => {
    asked.push([clusterId, name, query]);
    return Promise.resolve({ items: [], total: 0 });
  },
  listKinds: () => Promise.resolve({ items: [] }),
}));

const { prefetchResourceList } = await import('./useKinds');
const { listQueryOf } = await import('./resources');

describe('the menu prefetch', () => {
  it('fills the query the list page reads for a URL without filters', async () => {
    const qc = new QueryClient();
    prefetchResourceList(qc, '7', 'services');
    await vi.waitFor(() => expect(asked).toHaveLength(1));
    // what ResourceListPage asks for when the menu opens /clusters/7/resources/services (no search params),
    // with the kind's own columns known
    const pageQuery = listQueryOf(new URLSearchParams(), [{ key: 'type' }, { key: 'cluster_ip' }, { key: 'ports' }], true);
    await vi.waitFor(() => expect(qc.getQueryData(['resources', '7', 'services', pageQuery])).toEqual({ items: [], total: 0 }));
    expect(asked[0]).toEqual(['7', 'services', pageQuery]);
  });

  it('does not ask twice while the answer is fresh', async () => {
    const qc = new QueryClient();
    asked.length = 0;
    prefetchResourceList(qc, '7', 'configmaps');
    prefetchResourceList(qc, '7', 'configmaps');
    await vi.waitFor(() => expect(asked).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 20));
    prefetchResourceList(qc, '7', 'configmaps');
    await new Promise((r) => setTimeout(r, 20));
    expect(asked).toHaveLength(1);
  });
});
