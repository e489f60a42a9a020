import { api } from './client';
import type { Page } from './types';

// Notification channels (issue 16). Shapes follow the server's ChannelView / DeliveryView (never a secret).
export type ChannelKind = 'webhook' | 'email' | 'dingtalk' | 'wecom' | 'feishu' | 'slack';
export const CHANNEL_KINDS: ChannelKind[] = ['dingtalk', 'wecom', 'feishu', 'webhook', 'email', 'slack'];
export const SEVERITIES = ['info', 'warning', 'critical'] as const;

export interface ChannelSummary {
  url_host?: string | null;
  url_set: boolean;
  secret_set: boolean;
  bearer_token_set: boolean;
  username?: string | null;
  password_set: boolean;
  smtp_host?: string | null;
  smtp_port?: number | null;
  smtp_security?: 'starttls' | 'tls' | 'none' | null;
  smtp_ca_set: boolean;
  from?: string | null;
  to: string[];
}

export interface Channel {
  id: number;
  name: string;
  kind: ChannelKind;
  language: 'zh-CN' | 'en';
  enabled: boolean;
  cluster_ids: number[];
  min_severity: string;
  rate_per_minute?: number | null;
  config: ChannelSummary;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** What a form sends; secrets left out are kept by the server on an edit. */
export interface ChannelConfigInput {
  url?: string;
  secret?: string;
  bearer_token?: string;
  username?: string;
  password?: string;
  smtp_host?: string;
  smtp_port?: number;
  smtp_security?: 'starttls' | 'tls' | 'none';
  smtp_ca_pem?: string;
  from?: string;
  to?: string[];
}

export interface ChannelInput {
  name: string;
  kind: ChannelKind;
  language: string;
  enabled: boolean;
  cluster_ids: number[];
  min_severity: string;
  rate_per_minute?: number;
  config: ChannelConfigInput;
}

export interface Delivery {
  id: number;
  channel_id: number;
  purpose: 'alert' | 'digest' | 'test';
  group_key: string;
  cluster_id?: number | null;
  title: string;
  alert_count: number;
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'digested';
  attempts: number;
  next_attempt_at: string;
  last_attempt_at?: string | null;
  throttled: boolean;
  last_error?: string | null;
  http_status?: number | null;
  sent_at?: string | null;
  digest_id?: number | null;
  created_at: string;
}

export const listChannels = () => api<Channel[]>('/notify/channels');
export const createChannel = (body: ChannelInput) => api<Channel>('/notify/channels', { method: 'POST', body });
export const updateChannel = (id: number, body: ChannelInput) => api<Channel>(`/notify/channels/${id}`, { method: 'PUT', body });
export const deleteChannel = (id: number) => api<void>(`/notify/channels/${id}`, { method: 'DELETE' });
export const testChannel = (id: number) => api<{ ok: boolean; delivery: Delivery }>(`/notify/channels/${id}/test`, { method: 'POST', body: {} });
export const listDeliveries = (id: number, q: { page?: number; page_size?: number }) =>
  api<Page<Delivery>>(`/notify/channels/${id}/deliveries`, { query: q });
export const alertDeliveries = (clusterId: number | string, alertId: number | string) =>
  api<(Delivery & { channel_name: string; channel_kind: string })[]>(`/k8s/cluster/${clusterId}/alerts/${alertId}/deliveries`);

/** Which config fields a kind uses. */
export function kindFields(kind: ChannelKind): (keyof ChannelConfigInput)[] {
  switch (kind) {
    case 'dingtalk':
    case 'feishu':
      return ['url', 'secret'];
    case 'wecom':
    case 'slack':
      return ['url'];
    case 'webhook':
      return ['url', 'bearer_token', 'username', 'password'];
    case 'email':
      return ['smtp_host', 'smtp_port', 'smtp_security', 'username', 'password', 'from', 'to', 'smtp_ca_pem'];
  }
}

/** The rate limit the server applies when none is given (the robots' documented limits). */
export function defaultRate(kind: ChannelKind): number | null {
  return kind === 'dingtalk' || kind === 'wecom' ? 20 : kind === 'feishu' ? 100 : kind === 'slack' ? 60 : null;
}
