import { describe, expect, it } from 'vitest';
import { REPORT_HEADER, withSection } from './support/report';

describe('the reliability report file', () => {
  it('starts with the header and holds a first section between its markers', () => {
    // given no report yet, when a test file writes its section
    const report = withSection('', 'fault-campaign', '### Fault campaign\n\n| a |\n');

    // then the report is the header and that section
    expect(report).toBe(`${REPORT_HEADER}\n<!-- begin fault-campaign -->\n### Fault campaign\n\n| a |\n<!-- end fault-campaign -->\n`);
  });

  it('replaces a section of an earlier run and keeps the others, in name order whatever order they were written in', () => {
    // given a report with two sections
    const earlier = withSection(withSection('', 'rate-limited-campaign', 'old rate\n'), 'fault-campaign', 'old fault\n');

    // when a new run writes one of them, and a third
    const report = withSection(withSection(earlier, 'rate-limited-campaign', 'new rate\n'), 'bad-input-corpus', 'corpus\n');

    // then the rewritten one is new, the untouched one kept, and they stand in name order
    expect(report).toContain('new rate');
    expect(report).not.toContain('old rate');
    expect(report).toContain('old fault');
    const order = [...report.matchAll(/<!-- begin ([a-z-]+) -->/g)].map((match) => match[1]);
    expect(order).toEqual(['bad-input-corpus', 'fault-campaign', 'rate-limited-campaign']);
  });

  it('replaces text edited by hand outside the sections with the header', () => {
    const report = withSection(`pasted by hand\n${withSection('', 'fault-campaign', 'fault\n')}`, 'fault-campaign', 'fault\n');
    expect(report).not.toContain('pasted by hand');
    expect(report.startsWith(REPORT_HEADER)).toBe(true);
  });

  it('refuses a section name that could break its markers', () => {
    expect(() => withSection('', 'Fault campaign -->', 'x')).toThrow(/section name/);
  });
});
