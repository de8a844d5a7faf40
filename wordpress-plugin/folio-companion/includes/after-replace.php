<?php
/**
 * After a file is replaced in place, nothing stale should be served where WordPress can help it:
 * the attachment's caches are cleared, its modified time bumped, the sidecars other plugins made
 * from the old image removed, and the hooks that cache and image optimizer plugins listen to are
 * fired. A CDN in front of the site still serves its copy until it expires (see the README).
 */

defined( 'ABSPATH' ) || exit;

/**
 * Returns the attachment's metadata as plugins left it after the `wp_generate_attachment_metadata`
 * filter (which optimizers use to compress or convert the new sub-sizes).
 */
function folio_companion_after_replace( $id, $file, array $old_files, array $meta ) {
	folio_companion_remove_sidecars( array_merge( array( $file ), $old_files ) );

	// What core runs when it (re)generates an image's sub-sizes; 'update' as in
	// wp_update_image_subsizes().
	$filtered = apply_filters( 'wp_generate_attachment_metadata', $meta, $id, 'update' );
	if ( is_array( $filtered ) ) {
		$meta = $filtered;
		wp_update_attachment_metadata( $id, $meta );
	}

	// Bumps post_modified (caches and the block editor see a new version) and fires
	// `attachment_updated` and `edit_attachment`.
	wp_update_post( array( 'ID' => $id ) );
	clean_attachment_cache( $id );
	clean_post_cache( $id );

	/**
	 * Fires after Folio replaced an attachment's file in place.
	 *
	 * @param int      $id        Attachment ID.
	 * @param string   $file      Path of the new file (the same as before).
	 * @param string[] $old_files The old sub-size files, now deleted.
	 */
	do_action( 'folio_companion_replaced', $id, $file, $old_files );
	// The hook Enable Media Replace fires; CDN and optimizer plugins purge on it.
	do_action( 'wp_handle_replace', array( 'post_id' => $id ) );
	return $meta;
}

/**
 * Optimizer plugins write `photo.jpg.webp` / `photo.jpg.avif` beside each image. Those of the old
 * image would keep being served to browsers that ask for WebP or AVIF. A sidecar is removed only
 * when no attachment owns that exact file.
 */
function folio_companion_remove_sidecars( array $images ) {
	global $wpdb;
	$candidates = array();
	foreach ( $images as $image ) {
		foreach ( array( '.webp', '.avif' ) as $ext ) {
			if ( file_exists( $image . $ext ) ) {
				$candidates[ _wp_relative_upload_path( $image . $ext ) ] = $image . $ext;
			}
		}
	}
	if ( ! $candidates ) {
		return;
	}
	$in    = implode( ',', array_fill( 0, count( $candidates ), '%s' ) );
	$owned = $wpdb->get_col(
		$wpdb->prepare(
			"SELECT meta_value FROM {$wpdb->postmeta} WHERE meta_key = '_wp_attached_file' AND meta_value IN ($in)", // phpcs:ignore WordPress.DB.PreparedSQLPlaceholders
			array_keys( $candidates )
		)
	);
	foreach ( $candidates as $relative => $path ) {
		if ( ! in_array( $relative, $owned, true ) ) {
			wp_delete_file( $path );
		}
	}
}
