import { Button, Tooltip } from 'antd';
import { MoonOutlined, SunOutlined, TranslationOutlined } from '@ant-design/icons';
import { useI18n } from '../i18n';
import { useThemeMode } from '../theme';

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <Tooltip title={t('layout.language')}>
      <Button
        type="text"
        data-testid="lang-switch"
        icon={<TranslationOutlined />}
        onClick={() => setLang(lang === 'zh-CN' ? 'en' : 'zh-CN')}
      >
        {lang === 'zh-CN' ? 'English' : '中文'}
      </Button>
    </Tooltip>
  );
}

export function ThemeSwitch() {
  const { mode, toggle } = useThemeMode();
  const { t } = useI18n();
  return (
    <Tooltip title={mode === 'dark' ? t('layout.lightTheme') : t('layout.darkTheme')}>
      <Button type="text" data-testid="theme-switch" icon={mode === 'dark' ? <SunOutlined /> : <MoonOutlined />} onClick={toggle} />
    </Tooltip>
  );
}

