<?php
/**
 * `POST /folio/v1/media/<id>/file`: replace an image attachment's file, keeping its ID and URL.
 *
 * Order matters, so that a failure at any step leaves the old image served:
 *  1. the size is checked against the site's upload limit and (multisite) its quota;
 *  2. the new bytes go to a temporary file outside `uploads/`, where nothing serves them;
 *  3. under a lock, the attachment is read again and the bytes are checked (a real image, same
 *     type and extension as the current file);
 *  4. only checked bytes are copied beside the original, with the permissions WordPress gives
 *     uploads, and one rename() puts them in its place, atomically;
 *  5. only then are the old sub-sizes removed, new ones made, and caches told (after-replace.php).
 * Replaces of one attachment are serialised with a database lock, so two at once end in one
 * consistent version. No path is ever taken from the request.
 */

defined( 'ABSPATH' ) || exit;

function folio_companion_replace_file( WP_REST_Request $request ) {
	global $wpdb;
	$id    = (int) $request['id'];
	$bytes = $request->get_body();
	if ( '' === $bytes ) {
		return folio_companion_error( 'folio_empty_body', __( 'No file was sent.', 'folio-companion' ), 400 );
	}
	folio_companion_test_limits( $request );
	$too_big = folio_companion_size_error( $id, strlen( $bytes ) );
	if ( $too_big ) {
		return $too_big;
	}

	require_once ABSPATH . 'wp-admin/includes/file.php';
	$incoming = wp_tempnam( 'folio-replace' );
	if ( ! $incoming || false === file_put_contents( $incoming, $bytes ) ) {
		return folio_companion_error( 'folio_write_failed', __( 'The server could not write the new file (disk full or permissions).', 'folio-companion' ), 500 );
	}
	unset( $bytes );
	folio_companion_test_hook( $request, 'before-check', $incoming );

	// Unique per site and install: on multisite, or with several installs on one database
	// server, attachment 42 of one site must not wait for attachment 42 of another.
	$lock = 'folio_replace_' . substr( md5( DB_NAME . '|' . $wpdb->prefix ), 0, 12 ) . '_' . $id;
	if ( '1' !== (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $lock, 60 ) ) ) {
		wp_delete_file( $incoming );
		return folio_companion_error( 'folio_busy', __( 'Another replace of this item is still running; try again.', 'folio-companion' ), 503 );
	}
	try {
		// What was read before the lock (permission checks prime the post and its meta) may
		// describe a version another replace has since swapped out: read it all again.
		clean_post_cache( $id );
		wp_cache_delete( $id, 'post_meta' );
		return folio_companion_replace_locked( $request, $id, $incoming );
	} finally {
		$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) );
		if ( file_exists( $incoming ) ) {
			wp_delete_file( $incoming );
		}
	}
}

/**
 * 413 when the new file is over the site's upload limit, or would take a multisite site over its
 * storage quota; `null` when it fits.
 */
function folio_companion_size_error( $id, $size ) {
	$limit = (int) wp_max_upload_size();
	if ( $limit > 0 && $size > $limit ) {
		return folio_companion_error(
			'folio_too_large',
			sprintf(
				/* translators: 1: size of the new file, 2: the site's upload limit */
				__( 'The new file is %1$s; this site accepts uploads up to %2$s.', 'folio-companion' ),
				size_format( $size ),
				size_format( $limit )
			),
			413
		);
	}
	if ( is_multisite() && ! get_site_option( 'upload_space_check_disabled' ) ) {
		$current = get_attached_file( $id );
		$growth  = $size - ( $current && file_exists( $current ) ? filesize( $current ) : 0 );
		if ( $growth > 0 && $growth > get_upload_space_available() ) {
			return folio_companion_error( 'folio_quota', __( 'This site has used up its storage quota; free some space or ask the network administrator for more.', 'folio-companion' ), 413 );
		}
	}
	return null;
}

function folio_companion_replace_locked( WP_REST_Request $request, $id, $incoming ) {
	$file = get_attached_file( $id );
	if ( ! $file || ! file_exists( $file ) ) {
		return folio_companion_error( 'folio_no_file', __( 'This media item has no file on the server to replace.', 'folio-companion' ), 404 );
	}
	$current_mime = get_post_mime_type( $id );
	if ( 0 !== strpos( (string) $current_mime, 'image/' ) ) {
		return folio_companion_error( 'folio_not_image', __( 'Only images can be replaced in place.', 'folio-companion' ), 409 );
	}
	// Checked under the *current* file name: the extension must stay, or the URL would change.
	$check = wp_check_filetype_and_ext( $incoming, wp_basename( $file ) );
	$real  = wp_get_image_mime( $incoming );
	if ( ! $real || empty( $check['type'] ) || $check['type'] !== $current_mime || $real !== $current_mime || ! empty( $check['proper_filename'] ) ) {
		return folio_companion_error(
			'folio_type_mismatch',
			sprintf(
				/* translators: 1: type of the new file, 2: type of the current file */
				__( 'The new file is %1$s but this media item is %2$s. The URL can only be kept when the type stays the same, so upload it as a new item instead.', 'folio-companion' ),
				$real ? $real : __( 'not an image', 'folio-companion' ),
				$current_mime
			),
			409
		);
	}

	$dir = dirname( $file );
	folio_companion_remove_stale_temporaries( $dir );
	$tmp = $dir . '/.folio-' . wp_generate_password( 16, false ) . '.tmp';
	if ( ! @copy( $incoming, $tmp ) ) { // phpcs:ignore WordPress.PHP.NoSilencedErrors
		wp_delete_file( $tmp );
		return folio_companion_error( 'folio_write_failed', __( 'The server could not write the new file (disk full or permissions).', 'folio-companion' ), 500 );
	}
	// What _wp_handle_upload() gives a new upload: the folder's permissions, without execute.
	$stat = stat( $dir );
	@chmod( $tmp, $stat['mode'] & 0000666 ); // phpcs:ignore WordPress.PHP.NoSilencedErrors

	folio_companion_test_hook( $request, 'before-swap', $tmp );

	$old_meta  = wp_get_attachment_metadata( $id );
	$old_files = folio_companion_derived_files( $file, is_array( $old_meta ) ? $old_meta : array() );

	// The one step that switches what is served.
	if ( ! @rename( $tmp, $file ) ) { // phpcs:ignore WordPress.PHP.NoSilencedErrors
		wp_delete_file( $tmp );
		return folio_companion_error( 'folio_swap_failed', __( 'The server could not put the new file in place; the old image is still served.', 'folio-companion' ), 500 );
	}
	clearstatcache( true, $file );

	folio_companion_test_hook( $request, 'after-swap', $file );

	foreach ( $old_files as $old ) {
		if ( $old !== $file && file_exists( $old ) ) {
			wp_delete_file( $old );
		}
	}

	require_once ABSPATH . 'wp-admin/includes/image.php';
	// Keep the name: no "-scaled" copy for big images, no "-rotated" copy from EXIF.
	add_filter( 'big_image_size_threshold', '__return_false', 999 );
	add_filter( 'wp_image_maybe_exif_rotate', '__return_false', 999 );
	$meta = wp_create_image_subsizes( $file, $id );
	remove_filter( 'big_image_size_threshold', '__return_false', 999 );
	remove_filter( 'wp_image_maybe_exif_rotate', '__return_false', 999 );

	$source = $request->get_param( 'folio_source' );
	if ( is_string( $source ) && '' !== $source ) {
		update_post_meta( $id, 'folio_source', sanitize_text_field( $source ) );
	}
	$meta = folio_companion_after_replace( $id, $file, $old_files, is_array( $meta ) ? $meta : array() );

	$data                  = folio_companion_item( $id );
	$data['bytes']         = filesize( $file );
	$data['sha256']        = hash_file( 'sha256', $file );
	$data['media_details'] = $meta;
	$data['modified_gmt']  = get_post_field( 'post_modified_gmt', $id );
	return rest_ensure_response( $data );
}

/**
 * Files WordPress made from the attachment: its sub-sizes and, for big images it scaled on
 * upload, the untouched original.
 */
function folio_companion_derived_files( $file, array $meta ) {
	$dir   = dirname( $file );
	$files = array();
	foreach ( ( isset( $meta['sizes'] ) && is_array( $meta['sizes'] ) ) ? $meta['sizes'] : array() as $size ) {
		if ( ! empty( $size['file'] ) ) {
			$files[] = $dir . '/' . wp_basename( $size['file'] );
		}
	}
	if ( ! empty( $meta['original_image'] ) ) {
		$files[] = $dir . '/' . wp_basename( $meta['original_image'] );
	}
	return array_unique( $files );
}

/**
 * A replace killed half-way leaves its temporary file; remove those older than ten minutes.
 */
function folio_companion_remove_stale_temporaries( $dir ) {
	foreach ( (array) glob( $dir . '/.folio-*.tmp' ) as $stale ) {
		if ( is_file( $stale ) && filemtime( $stale ) < time() - 600 ) {
			wp_delete_file( $stale );
		}
	}
}

/**
 * Lets the test suite kill PHP at a chosen step. Only with FOLIO_COMPANION_TEST_HOOKS defined
 * in wp-config.php, which tests/wordpress/start.sh does and real sites never do.
 */
function folio_companion_test_hook( WP_REST_Request $request, $step, $path ) {
	if ( ! defined( 'FOLIO_COMPANION_TEST_HOOKS' ) || ! FOLIO_COMPANION_TEST_HOOKS ) {
		return;
	}
	if ( $request->get_header( 'x_folio_test_die' ) === $step ) {
		// As abrupt as a fatal error or a killed worker: no cleanup, no response body.
		header( 'HTTP/1.1 500 Internal Server Error' );
		exit( 1 );
	}
}

/**
 * Lets the test suite lower the upload limit for one request (`X-Folio-Test-Upload-Limit`), with
 * the same test-hooks switch.
 */
function folio_companion_test_limits( WP_REST_Request $request ) {
	if ( ! defined( 'FOLIO_COMPANION_TEST_HOOKS' ) || ! FOLIO_COMPANION_TEST_HOOKS ) {
		return;
	}
	$limit = (int) $request->get_header( 'x_folio_test_upload_limit' );
	if ( $limit > 0 ) {
		add_filter(
			'upload_size_limit',
			function () use ( $limit ) {
				return $limit;
			}
		);
	}
}

function folio_companion_error( $code, $message, $status ) {
	return new WP_Error( $code, $message, array( 'status' => $status ) );
}
