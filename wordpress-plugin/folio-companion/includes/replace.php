<?php
/**
 * `POST /folio/v1/media/<id>/file`: replace an image attachment's file, keeping its ID and URL.
 *
 * Order matters, so that a failure at any step leaves the old image served:
 *  1. the new bytes go to a temporary file beside the original;
 *  2. they are checked (a real image, same type and extension as the current file);
 *  3. one rename() puts them in the original's place, atomically;
 *  4. only then are the old sub-sizes removed and new ones made.
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
	$file = get_attached_file( $id );
	if ( ! $file || ! file_exists( $file ) ) {
		return folio_companion_error( 'folio_no_file', __( 'This media item has no file on the server to replace.', 'folio-companion' ), 404 );
	}
	$current_mime = get_post_mime_type( $id );
	if ( 0 !== strpos( (string) $current_mime, 'image/' ) ) {
		return folio_companion_error( 'folio_not_image', __( 'Only images can be replaced in place.', 'folio-companion' ), 409 );
	}

	$lock = 'folio_replace_' . $id;
	if ( '1' !== (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, %d)', $lock, 60 ) ) ) {
		return folio_companion_error( 'folio_busy', __( 'Another replace of this item is still running; try again.', 'folio-companion' ), 503 );
	}
	try {
		// Meta read before the lock (permission checks, get_attached_file) may describe a version
		// another replace has since swapped out; read it again now that we hold the lock.
		clean_post_cache( $id );
		wp_cache_delete( $id, 'post_meta' );
		$file = get_attached_file( $id );
		return folio_companion_replace_locked( $request, $id, $file, $current_mime, $bytes );
	} finally {
		$wpdb->query( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', $lock ) );
	}
}

function folio_companion_replace_locked( WP_REST_Request $request, $id, $file, $current_mime, $bytes ) {
	$dir = dirname( $file );
	folio_companion_remove_stale_temporaries( $dir );
	$tmp = $dir . '/.folio-' . wp_generate_password( 16, false ) . '.tmp';
	if ( false === file_put_contents( $tmp, $bytes ) ) {
		return folio_companion_error( 'folio_write_failed', __( 'The server could not write the new file (disk full or permissions).', 'folio-companion' ), 500 );
	}

	// Checked under the *current* file name: the extension must stay, or the URL would change.
	$check = wp_check_filetype_and_ext( $tmp, wp_basename( $file ) );
	$real  = wp_get_image_mime( $tmp );
	if ( ! $real || empty( $check['type'] ) || $check['type'] !== $current_mime || $real !== $current_mime || ! empty( $check['proper_filename'] ) ) {
		wp_delete_file( $tmp );
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
	// Bumps post_modified, so caches and the block editor see a new version.
	wp_update_post( array( 'ID' => $id ) );
	clean_post_cache( $id );

	$data                  = folio_companion_item( $id );
	$data['bytes']         = filesize( $file );
	$data['sha256']        = hash_file( 'sha256', $file );
	$data['media_details'] = is_array( $meta ) ? $meta : wp_get_attachment_metadata( $id );
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

function folio_companion_error( $code, $message, $status ) {
	return new WP_Error( $code, $message, array( 'status' => $status ) );
}
