/**
 * Theme values for what the webviews draw themselves (canvas charts, heatmaps, legend swatches).
 *
 * A line takes the hue of a theme colour, never its alpha: VS Code's `charts.orange` defaults to
 * the find-match highlight, #EA5C0055 (a third opaque), so an orange series drawn with it was a
 * pale peach on light themes and a dim brown on dark ones. Bands and faint lines add their own
 * alpha to the opaque hue.
 */

/** A theme variable's value as the theme gives it (alpha kept: axes, grids, text on a canvas). */
export function css(variable: string): string {
  return getComputedStyle(document.body).getPropertyValue(variable).trim() || '#888';
}

/** [r, g, b] per variable, read from a probe element: the browser resolves any CSS colour syntax to rgb()/rgba(). */
const cache = new Map<string, [number, number, number]>();

/** A theme colour variable as [r, g, b], alpha dropped; cached until `forgetThemeColours`. */
export function themeRgb(variable: string): [number, number, number] {
  let rgb = cache.get(variable);
  if (!rgb) {
    const probe = document.createElement('span');
    probe.style.color = `var(${variable})`;
    document.body.append(probe);
    const m = /rgba?\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)/.exec(getComputedStyle(probe).color);
    probe.remove();
    rgb = m ? [Math.round(Number(m[1])), Math.round(Number(m[2])), Math.round(Number(m[3]))] : [128, 128, 128];
    cache.set(variable, rgb);
  }
  return rgb;
}

/** The opaque colour of a theme variable, for lines, points and swatches. */
export function lineColour(variable: string): string {
  const [r, g, b] = themeRgb(variable);
  return `rgb(${r}, ${g}, ${b})`;
}

/** The theme variable's hue at the given opacity (bands, faint raw curves). */
export function withAlpha(variable: string, alpha: number): string {
  const [r, g, b] = themeRgb(variable);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** A theme change: VS Code restyles the page; colours are read again when next drawn. */
export function forgetThemeColours(): void {
  cache.clear();
}
