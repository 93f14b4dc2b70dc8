import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { ApiError } from '../../domain/client-api.js';
import { en } from '../../domain/i18n/en.js';
import { ko } from '../../domain/i18n/ko.js';

export type Locale = 'ko' | 'en';
export const LOCALES: Locale[] = ['ko', 'en'];

export function initI18n(locale: Locale = 'ko') {
  if (!i18next.isInitialized) {
    void i18next.use(initReactI18next).init({
      resources: { ko: { translation: ko }, en: { translation: en } },
      lng: locale,
      fallbackLng: 'ko',
      interpolation: { escapeValue: false }, // React escapes
      returnNull: false,
    });
  } else if (i18next.language !== locale) {
    void i18next.changeLanguage(locale);
  }
  document.documentElement.lang = locale;
  return i18next;
}

export function setLocale(locale: Locale) {
  void i18next.changeLanguage(locale);
  document.documentElement.lang = locale;
}

/** A user-facing sentence for an error result from the services. */
export function errorText(error: ApiError): string {
  const key = `errors.${error.code}`;
  return i18next.exists(key)
    ? i18next.t(key, { message: error.message })
    : i18next.t('errors.generic', { message: error.message });
}

export { i18next };
