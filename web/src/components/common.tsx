import type { ReactNode } from 'react';
import { Alert, Progress, Space, Tag, Tooltip, Typography } from 'antd';
import { useI18n } from '../i18n';
import { errorText } from '../lib/errors';
import { formatDateTime, formatRelative } from '../lib/format';
import { toneColor, type Tone } from '../lib/status';

export function PageHeader({ title, extra, sub }: { title: ReactNode; extra?: ReactNode; sub?: ReactNode }) {
  return (
    <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', marginBottom: 16, gap: 16, flexWrap: 'wrap' }}>
      <div>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {title}
        </Typography.Title>
        {sub && <Typography.Text type="secondary">{sub}</Typography.Text>}
      </div>
      {extra && <Space wrap>{extra}</Space>}
    </div>
  );
}

export function StatusTag({ tone, children, tip }: { tone: Tone; children: ReactNode; tip?: ReactNode }) {
  const tag = <Tag color={toneColor[tone]}>{children}</Tag>;
  return tip ? <Tooltip title={tip}>{tag}</Tooltip> : tag;
}

export function ErrorAlert({ error, style }: { error: unknown; style?: React.CSSProperties }) {
  const { t } = useI18n();
  if (!error) return null;
  return <Alert type="error" showIcon message={errorText(t, error)} style={{ marginBottom: 16, ...style }} data-testid="error-alert" />;
}

export function TimeAgo({ at }: { at: string | null | undefined }) {
  const { lang } = useI18n();
  if (!at) return <Typography.Text type="secondary">-</Typography.Text>;
  return (
    <Tooltip title={formatDateTime(at, lang)}>
      <span>{formatRelative(at, lang)}</span>
    </Tooltip>
  );
}

export function UsageBar({ value, label }: { value: number | null | undefined; label?: string }) {
  const { t } = useI18n();
  if (value === null || value === undefined || !Number.isFinite(value)) return <Typography.Text type="secondary">{t('common.noData')}</Typography.Text>;
  const color = value >= 90 ? '#ff4d4f' : value >= 75 ? '#faad14' : '#52c41a';
  return (
    <Tooltip title={label}>
      <Progress
        percent={Math.round(value)}
        size="small"
        status="normal"
        strokeColor={color}
        format={(p) => `${p}%`}
        style={{ width: 150, margin: 0 }}
      />
    </Tooltip>
  );
}

export function LabelTags({ labels, max = 6 }: { labels?: Record<string, string> | null; max?: number }) {
  const entries = Object.entries(labels ?? {});
  if (!entries.length) return <Typography.Text type="secondary">-</Typography.Text>;
  return (
    <Space size={[4, 4]} wrap>
      {entries.slice(0, max).map(([k, v]) => (
        <Tag key={k} className="kd-mono">
          {k}
          {v ? `=${v}` : ''}
        </Tag>
      ))}
      {entries.length > max && <Tag>+{entries.length - max}</Tag>}
    </Space>
  );
}
