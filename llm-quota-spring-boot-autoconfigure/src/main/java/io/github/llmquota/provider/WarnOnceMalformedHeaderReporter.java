package io.github.llmquota.provider;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Logs each malformed header once per pool and header name. Both are bounded (pools come
 * from configuration and the parser only reports the header names it reads), so the set
 * of warned keys cannot grow without limit.
 */
final class WarnOnceMalformedHeaderReporter implements MalformedHeaderReporter {

	private static final Log logger = LogFactory.getLog(ProviderFeedbackParser.class);

	private static final int MAX_LOGGED_VALUE_LENGTH = 64;

	private final Set<Key> warned = ConcurrentHashMap.newKeySet();

	@Override
	public void report(String pool, String headerName, String value) {
		if (this.warned.add(new Key(pool, headerName))) {
			logger.warn("Ignoring malformed '" + headerName + "' header from pool '" + pool + "': '" + loggable(value)
					+ "'. Further malformed values of this header for this pool are not logged.");
		}
	}

	// The value comes from a remote server; keep it from forging log lines or filling the
	// log.
	private static String loggable(String value) {
		String shortened = (value.length() > MAX_LOGGED_VALUE_LENGTH)
				? value.substring(0, MAX_LOGGED_VALUE_LENGTH) + "..." : value;
		return shortened.replaceAll("\\p{Cntrl}", "?");
	}

	private record Key(String pool, String headerName) {
	}

}
