import { useState } from 'react';
import { Alert, Button, Form, Input } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { login } from '../../api/auth';
import { useI18n } from '../../i18n';
import { errorText } from '../../lib/errors';
import { rememberLoginForPasswordChange, useAuth } from '../../auth';
import { AuthCard } from './AuthCard';
import { safeNext } from '../../lib/view';

export function LoginPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const { session } = useAuth();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = safeNext(params.get('next'));

  if (session && !session.mustChangePassword && !busy) return <Navigate to={next} replace />;

  const onFinish = async (v: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      const tokens = await login(v.username.trim(), v.password);
      if (tokens.must_change_password) {
        rememberLoginForPasswordChange({ username: v.username.trim(), password: v.password });
        navigate(`/change-password?next=${encodeURIComponent(next)}`, { replace: true });
      } else {
        navigate(next, { replace: true });
      }
    } catch (e) {
      setError(errorText(t, e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title={t('login.subtitle')}>
      {params.get('expired') && !error && (
        <Alert type="info" showIcon message={t('login.expired')} style={{ marginBottom: 16 }} />
      )}
      {params.get('changed') && !error && (
        <Alert type="success" showIcon message={t('password.changedLogin')} style={{ marginBottom: 16 }} />
      )}
      {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="login-error" />}
      <Form layout="vertical" onFinish={onFinish} requiredMark={false} disabled={busy}>
        <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('login.usernameRequired') }]}>
          <Input prefix={<UserOutlined />} autoComplete="username" autoFocus id="username" />
        </Form.Item>
        <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="current-password" id="password" />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
          {t('login.submit')}
        </Button>
      </Form>
    </AuthCard>
  );
}
