package io.github.llmquota.test;

/**
 * Spring Security is on this module's test classpath for the tests of the write
 * operations; web tests that do not test security leave its auto-configurations out.
 */
public final class WithoutSecurity {

	/**
	 * The value of {@code spring.autoconfigure.exclude} that leaves Security out of
	 * servlet and reactive applications.
	 */
	public static final String EXCLUDE = "spring.autoconfigure.exclude="
			+ "org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration,"
			+ "org.springframework.boot.actuate.autoconfigure.security.servlet.ManagementWebSecurityAutoConfiguration,"
			+ "org.springframework.boot.autoconfigure.security.reactive.ReactiveSecurityAutoConfiguration,"
			+ "org.springframework.boot.actuate.autoconfigure.security.reactive.ReactiveManagementWebSecurityAutoConfiguration";

	private WithoutSecurity() {
	}

}
