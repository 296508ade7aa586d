/**
 * "[##########----------] 12/24"
 *
 * @example renderProgressBar(1, 4, 8) // "[##------] 1/4"
 */
export function renderProgressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((Math.min(done, total) / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}
