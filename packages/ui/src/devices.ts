/**
 * A browser's user-agent string as a person recognises their device: "Firefox on Windows". Only the common
 * browsers and systems are told apart; the list of sessions needs recognisable names, not an exact census.
 */
export function describeDevice(userAgent: string | null): string {
  if (!userAgent) return "Unknown device";
  return `${browserOf(userAgent)} on ${systemOf(userAgent)}`;
}

function browserOf(userAgent: string): string {
  // Order matters: Edge and Opera also say "Chrome", and Chrome also says "Safari".
  if (/\bEdg(e|A|iOS)?\//.test(userAgent)) return "Edge";
  if (/\b(OPR|Opera)\//.test(userAgent)) return "Opera";
  if (/\bSamsungBrowser\//.test(userAgent)) return "Samsung Internet";
  if (/\b(Firefox|FxiOS)\//.test(userAgent)) return "Firefox";
  if (/\b(Chrome|CriOS|HeadlessChrome|Chromium)\//.test(userAgent)) return "Chrome";
  if (/\bVersion\/[\d.]+.*\bSafari\//.test(userAgent)) return "Safari";
  return "A browser";
}

function systemOf(userAgent: string): string {
  if (/\b(iPhone|iPod)\b/.test(userAgent)) return "iPhone";
  if (/\biPad\b/.test(userAgent)) return "iPad";
  if (/\bAndroid\b/.test(userAgent)) return "Android";
  if (/\bCrOS\b/.test(userAgent)) return "ChromeOS";
  if (/\bWindows\b/.test(userAgent)) return "Windows";
  if (/\bMac OS X\b|\bMacintosh\b/.test(userAgent)) return "macOS";
  if (/\bLinux\b/.test(userAgent)) return "Linux";
  return "an unknown system";
}
