import type { ReactNode } from 'react';
import { Card, Space, Typography, theme } from 'antd';
import { LanguageSwitch, ThemeSwitch } from '../../layout/Switches';

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  const { token } = theme.useToken();
  return (
    <div style={{ minHeight: '100vh', background: token.colorBgLayout, display: 'flex', flexDirection: 'column' }}>
      <div style={{ display: 'flex', justifyContent: 'flex-end', padding: 12 }}>
        <Space>
          <LanguageSwitch />
          <ThemeSwitch />
        </Space>
      </div>
      <div style={{ flex: 1, display: 'flex', alignItems: 'center', justifyContent: 'center', paddingBottom: 80 }}>
        <Card style={{ width: 400, maxWidth: '92vw' }}>
          <Space direction="vertical" align="center" style={{ width: '100%', marginBottom: 16 }}>
            <svg width="40" height="40" viewBox="0 0 32 32" aria-hidden>
              <rect width="32" height="32" rx="6" fill="#1677ff" />
              <path d="M8 9h4v6l6-6h5l-7 7 7 7h-5l-6-6v6H8z" fill="#fff" />
            </svg>
            <Typography.Title level={3} style={{ margin: 0 }}>
              Kubedeck
            </Typography.Title>
            <Typography.Text type="secondary">{title}</Typography.Text>
          </Space>
          {children}
        </Card>
      </div>
    </div>
  );
}
