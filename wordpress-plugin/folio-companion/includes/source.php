<?php
/**
 * The source identity Folio stores on each upload (`folio_source`), and the listing the app
 * uses to find its attachments again after its local database is lost.
 */

defined( 'ABSPATH' ) || exit;

function folio_companion_register_meta() {
	register_post_meta(
		'attachment',
		'folio_source',
		array(
			'type'          => 'string',
			'single'        => true,
			'default'       => '',
			'show_in_rest'  => true,
			'auth_callback' => function () {
				return current_user_can( 'upload_files' );
			},
		)
	);
}

// Readers without upload rights (the public) do not see where a photo came from.
add_filter(
	'rest_prepare_attachment',
	function ( $response ) {
		if ( ! current_user_can( 'upload_files' ) && isset( $response->data['meta']['folio_source'] ) ) {
			unset( $response->data['meta']['folio_source'] );
		}
		return $response;
	}
);

// `GET /wp/v2/media?folio_source=…` finds the attachments with exactly that source, among the
// ones the asking user uploaded: any author can write `folio_source` on their own uploads, so
// another user's items must not be taken for Folio's.
add_filter(
	'rest_attachment_query',
	function ( $args, $request ) {
		$source = $request->get_param( 'folio_source' );
		if ( is_string( $source ) && '' !== $source && current_user_can( 'upload_files' ) ) {
			$args['meta_query'] = array(
				array(
					'key'   => 'folio_source',
					'value' => $source,
				),
			);
			$args['author'] = get_current_user_id();
		}
		return $args;
	},
	10,
	2
);

/**
 * Every attachment the asking user uploaded that carries a source identity, oldest first.
 */
function folio_companion_list_sources( WP_REST_Request $request ) {
	$query = new WP_Query(
		array(
			'post_type'      => 'attachment',
			'post_status'    => 'inherit',
			'author'         => get_current_user_id(),
			'posts_per_page' => (int) $request['per_page'],
			'paged'          => (int) $request['page'],
			'orderby'        => 'ID',
			'order'          => 'ASC',
			'meta_query'     => array(
				array(
					'key'     => 'folio_source',
					'compare' => 'EXISTS',
				),
			),
		)
	);
	$items = array();
	foreach ( $query->posts as $post ) {
		$items[] = folio_companion_item( $post->ID );
	}
	$response = rest_ensure_response(
		array(
			'items'       => $items,
			'total_pages' => (int) $query->max_num_pages,
		)
	);
	return $response;
}

function folio_companion_item( $id ) {
	$post  = get_post( $id );
	$thumb = wp_get_attachment_image_src( $id, 'medium' );
	return array(
		'id'            => (int) $id,
		'slug'          => $post->post_name,
		'source_url'    => wp_get_attachment_url( $id ),
		'mime_type'     => $post->post_mime_type,
		'title'         => $post->post_title,
		'alt_text'      => (string) get_post_meta( $id, '_wp_attachment_image_alt', true ),
		'folio_source'  => (string) get_post_meta( $id, 'folio_source', true ),
		'thumbnail_url' => $thumb ? $thumb[0] : null,
	);
}
