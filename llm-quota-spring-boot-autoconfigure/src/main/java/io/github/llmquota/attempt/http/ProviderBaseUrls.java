package io.github.llmquota.attempt.http;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The base URLs of the providers whose traffic the attempt governor admits
 * ({@code llm.quota.governor.base-urls}). A request is the governor's when its scheme,
 * host and port equal those of a base URL and its path lies under the base URL's path.
 * Immutable and thread-safe.
 */
public final class ProviderBaseUrls {

	private final List<URI> baseUrls;

	private ProviderBaseUrls(List<URI> baseUrls) {
		this.baseUrls = baseUrls;
	}

	/**
	 * Create the base URLs.
	 * @param baseUrls absolute {@code http} or {@code https} URLs, such as
	 * {@code https://api.anthropic.com}
	 * @return the base URLs
	 * @throws IllegalArgumentException if a URL is not an absolute HTTP URL with a host
	 */
	public static ProviderBaseUrls of(List<String> baseUrls) {
		Objects.requireNonNull(baseUrls, "'baseUrls' must not be null");
		return new ProviderBaseUrls(baseUrls.stream().map(ProviderBaseUrls::parse).toList());
	}

	private static URI parse(String baseUrl) {
		URI uri;
		try {
			uri = URI.create(baseUrl.trim());
		}
		catch (IllegalArgumentException | NullPointerException ex) {
			throw new IllegalArgumentException("llm.quota.governor.base-urls: '" + baseUrl + "' is not a URL", ex);
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : "";
		if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
			throw new IllegalArgumentException(
					"llm.quota.governor.base-urls: '" + baseUrl + "' is not an absolute http or https URL with a host");
		}
		return uri;
	}

	/**
	 * Whether a request URI goes to one of the providers.
	 * @param uri the request URI, may be relative (then it matches nothing)
	 * @return whether the governor admits the request
	 */
	public boolean matches(URI uri) {
		if (uri == null || uri.getScheme() == null || uri.getHost() == null) {
			return false;
		}
		for (URI base : this.baseUrls) {
			if (base.getScheme().equalsIgnoreCase(uri.getScheme()) && base.getHost().equalsIgnoreCase(uri.getHost())
					&& port(base) == port(uri) && underPath(base.getPath(), uri.getPath())) {
				return true;
			}
		}
		return false;
	}

	private static int port(URI uri) {
		if (uri.getPort() != -1) {
			return uri.getPort();
		}
		return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
	}

	private static boolean underPath(String basePath, String path) {
		String base = (basePath == null || basePath.endsWith("/"))
				? ((basePath == null) ? "" : basePath.substring(0, basePath.length() - 1)) : basePath;
		if (base.isEmpty()) {
			return true;
		}
		String actual = (path != null) ? path : "";
		return actual.equals(base) || actual.startsWith(base + "/");
	}

	@Override
	public String toString() {
		return this.baseUrls.toString();
	}

}
