package io.github.llmquota.provider;

/**
 * Callback for a rate-limit header whose value {@link ProviderFeedbackParser} could not
 * use, or had to clamp because it asked for a longer delay than the parser passes on. The
 * parser ignores or clamps such a value and carries on; this hook only makes the problem
 * visible. Implementations must be thread-safe and must not throw, because they are
 * called from the parser on the caller's thread.
 */
@FunctionalInterface
public interface MalformedHeaderReporter {

	/**
	 * Report a header value that was ignored.
	 * @param pool the pool the response belongs to, as passed to the parser
	 * @param headerName the header name, in lower case; for a retry delay in the error
	 * body, {@code body:RetryInfo} or {@code body:message}
	 * @param value the raw value as received, never {@code null}; it can be arbitrarily
	 * long and hold control characters, so sanitize it before logging
	 */
	void report(String pool, String headerName, String value);

	/**
	 * Return a reporter that logs at WARN, at most once per pool and header name for the
	 * life of the reporter, so that a provider that keeps sending a malformed header does
	 * not flood the log. The logged value is truncated and stripped of control
	 * characters.
	 * @return a new logging reporter
	 */
	static MalformedHeaderReporter warnOncePerPoolAndHeader() {
		return new WarnOnceMalformedHeaderReporter();
	}

}
