package io.github.llmquota.test;

/**
 * Spring Security is on the test class path for the tests of the endpoint's write
 * operations; every other web test would have to log in. Add {@link #PROPERTY} to their
 * properties to leave Security's auto-configurations, servlet and reactive, out.
 */
public final class WithoutSecurity {

	/** The property that excludes Security's auto-configurations. */
	public static final String PROPERTY = "spring.autoconfigure.exclude="
			+ "org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration,"
			+ "org.springframework.boot.actuate.autoconfigure.security.servlet.ManagementWebSecurityAutoConfiguration,"
			+ "org.springframework.boot.autoconfigure.security.reactive.ReactiveSecurityAutoConfiguration,"
			+ "org.springframework.boot.actuate.autoconfigure.security.reactive.ReactiveManagementWebSecurityAutoConfiguration";

	private WithoutSecurity() {
	}

}
